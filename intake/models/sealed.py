"""Rows that own a data key, and fields sealed under it."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from intake import crypto
from intake.crypto import Keyring


class KeyOwner:
    """Mixin for a row with its own wrapped data key (reporters: identity; tips: content)."""

    __key_purpose__: ClassVar[str] = "content"
    __tablename__: Any

    id: Any
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    kek_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    def _key_aad(self) -> bytes:
        return crypto.aad_for(self.__tablename__, "wrapped_key", self.id)

    def create_data_key(self, keyring: Keyring) -> None:
        """Give the row a fresh data key, wrapped under the active key-encryption key."""
        if self.id is None:
            self.id = uuid.uuid4()
        data_key = crypto.new_data_key()
        self.kek_id, self.wrapped_key = crypto.wrap_data_key(
            keyring, self.__key_purpose__, data_key, self._key_aad()
        )
        self.__dict__["_intake_aead"] = AESGCM(data_key)

    def aead(self, keyring: Keyring) -> AESGCM:
        """The row's data key, unwrapped once per loaded instance."""
        cached = self.__dict__.get("_intake_aead")
        if cached is None:
            data_key = crypto.unwrap_data_key(
                keyring, self.kek_id, self.wrapped_key, self._key_aad()
            )
            cached = AESGCM(data_key)
            self.__dict__["_intake_aead"] = cached
        return cached

    def rewrap_data_key(self, keyring: Keyring) -> bool:
        """Re-wrap the data key under the newest key-encryption key; False if already there."""
        active = keyring.active(self.__key_purpose__).key_id
        if self.wrapped_key is None or self.kek_id == active:
            return False
        data_key = crypto.unwrap_data_key(keyring, self.kek_id, self.wrapped_key, self._key_aad())
        self.kek_id, self.wrapped_key = crypto.wrap_data_key(
            keyring, self.__key_purpose__, data_key, self._key_aad()
        )
        return True

    def shred(self) -> None:
        """Delete the data key: everything sealed under it becomes unreadable for good."""
        self.wrapped_key = None
        self.kek_id = None
        self.__dict__.pop("_intake_aead", None)

    def seal_text(
        self, keyring: Keyring, table: str, column: str, row_id: object, value: str | None
    ) -> bytes | None:
        """Encrypt ``value`` under this row's data key, bound to ``table.column`` of ``row_id``."""
        if value is None:
            return None
        return crypto.seal(
            self.aead(keyring), value.encode(), crypto.aad_for(table, column, row_id)
        )

    def open_text(
        self, keyring: Keyring, table: str, column: str, row_id: object, blob: bytes | None
    ) -> str | None:
        """Decrypt what :meth:`seal_text` produced (an emptied, shredded field reads as None)."""
        if not blob:
            return None
        return crypto.unseal(
            self.aead(keyring), blob, crypto.aad_for(table, column, row_id)
        ).decode()

    def seal_bytes(
        self, keyring: Keyring, table: str, column: str, row_id: object, value: bytes
    ) -> bytes:
        """Encrypt bytes (attachments) under this row's data key."""
        return crypto.seal(self.aead(keyring), value, crypto.aad_for(table, column, row_id))

    def open_bytes(
        self, keyring: Keyring, table: str, column: str, row_id: object, blob: bytes
    ) -> bytes:
        """Decrypt what :meth:`seal_bytes` produced."""
        return crypto.unseal(self.aead(keyring), blob, crypto.aad_for(table, column, row_id))
