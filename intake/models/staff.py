"""Staff accounts, their queues, API tokens and web sessions."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.geography import Queue
from intake.models.sealed import OPTIONAL_TEXT, KeyOwner, Sealed

# ``oversight`` (internal affairs, civilian board) alone sees the oversight queue; ``prosecutor``
# (community prosecutors) sees the prosecutor queue and aggregates for its districts.
ROLES = ("detective", "supervisor", "social_media", "admin", "oversight", "prosecutor")
# What an API token may do, each including the one before: ``read`` safe methods only, ``work``
# everything but revealing an identity, ``reveal`` that too (the role must still allow it).
TOKEN_SCOPES = ("read", "work", "reveal")


class User(KeyOwner, Base):
    """A staff member. The TOTP secret is sealed under the user's own data key."""

    __tablename__ = "user"
    __key_purpose__: ClassVar[str] = "content"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_secret = Sealed(OPTIONAL_TEXT)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The TOTP time step (unix time // 30) of the last code accepted: a code is good once.
    last_totp_step: Mapped[int | None] = mapped_column(Integer, nullable=True)

    queues: Mapped[list[Queue]] = relationship(secondary="queue_membership")


class QueueMembership(Base):
    """Which queues a detective works."""

    __tablename__ = "queue_membership"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"), primary_key=True)


class ApiToken(Base):
    """A bearer token, stored as its SHA-256 (tokens are random, 256 bits); scoped, expiring."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    scope: Mapped[str] = mapped_column(String(16), default="work")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class StaffSession(Base):
    """A server-side web session; the cookie holds a random id, stored here as its digest."""

    __tablename__ = "staff_session"

    id_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    is_second_factor_done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """Failed logins of one account from one client (a keyed digest of its address, never the
    address): the lock-out is per pair, so nobody can lock an account for everyone else."""

    __tablename__ = "login_failure"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    client_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class Enrolment(Base):
    """A one-time link with which a user sets their password and TOTP (stored as its digest)."""

    __tablename__ = "enrolment"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
