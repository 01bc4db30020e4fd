"""The pseudonymous sender of tips."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.sealed import IDENTITY, KeyOwner, Sealed


class Reporter(KeyOwner, Base):
    """A tipster known only by an encrypted address and its blind index.

    ``address_ct`` holds a JSON object of whatever identifies them (phone, email, name, platform
    id, handle), sealed under the reporter's own data key wrapped by the identity key. Only a
    channel identity a provider vouches for (SMS number, platform id) has an ``address_index``
    and is found again; a contact typed into the web form or the API is one row per tip, with no
    index, never found or changed by a later submission.
    """

    __tablename__ = "reporter"
    __table_args__ = (UniqueConstraint("channel", "address_index"),)
    __key_purpose__: ClassVar[str] = "identity"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    address = Sealed(IDENTITY)
    address_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    is_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A web or API tipster who asked to be told when a detective writes: "sms" or "email" (to
    # the sealed contact). The notice says only that there is news, never what or which tip.
    notify_by: Mapped[str | None] = mapped_column(String(8), nullable=True)
