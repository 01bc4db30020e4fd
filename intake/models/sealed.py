"""Rows that own a data key, and columns sealed under it.

A sealed column is declared once on its model, next to the ciphertext column that stores it::

    class Note(Base):
        body_ct: Mapped[bytes] = mapped_column(LargeBinary)
        body = Sealed(TEXT, under="tip")

and read or written through the row: ``note.body.read(keyring)``, ``note.body.seal(keyring,
text)``. The associated data of every ciphertext (``intake|note|body|<note id>``) is derived from
the table, the column and the row, so no call site spells it: a typo there would make a
ciphertext that never opens again. The table is the model's ``__tablename__``, the column the
attribute's name (or ``column=``), the row the value of ``row=`` (the primary key, ``id``); those
triples are pinned by a test (tests/models/test_sealed.py), since renaming one of them would
orphan every ciphertext already stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, overload

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from intake import crypto
from intake.crypto import CryptoError, Keyring

T = TypeVar("T")


class KeyOwner:
    """Mixin for a row with its own wrapped data key (reporters: identity; tips: content)."""

    __key_purpose__: ClassVar[str] = "content"
    __tablename__: Any

    id: Any
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    kek_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    @classmethod
    def _key_aad(cls, row_id: object) -> bytes:
        return crypto.aad_for(cls.__tablename__, "wrapped_key", row_id)

    def create_data_key(self, keyring: Keyring) -> None:
        """Give the row a fresh data key, wrapped under the active key-encryption key."""
        if self.id is None:
            self.id = uuid.uuid4()
        data_key = crypto.new_data_key()
        self.kek_id, self.wrapped_key = crypto.wrap_data_key(
            keyring, self.__key_purpose__, data_key, self._key_aad(self.id)
        )
        self.__dict__["_intake_aead"] = AESGCM(data_key)

    def aead(self, keyring: Keyring) -> AESGCM:
        """The row's data key, unwrapped once per loaded instance."""
        cached = self.__dict__.get("_intake_aead")
        if cached is None:
            data_key = crypto.unwrap_data_key(
                keyring, self.kek_id, self.wrapped_key, self._key_aad(self.id)
            )
            cached = AESGCM(data_key)
            self.__dict__["_intake_aead"] = cached
        return cached

    def rewrap_data_key(self, keyring: Keyring) -> bool:
        """Re-wrap the data key under the newest key-encryption key; False if already there."""
        active = keyring.active(self.__key_purpose__).key_id
        if self.wrapped_key is None or self.kek_id == active:
            return False
        aad = self._key_aad(self.id)
        data_key = crypto.unwrap_data_key(keyring, self.kek_id, self.wrapped_key, aad)
        self.kek_id, self.wrapped_key = crypto.wrap_data_key(
            keyring, self.__key_purpose__, data_key, aad
        )
        return True

    @classmethod
    def stored_key_opens(
        cls, keyring: Keyring, row_id: object, kek_id: str | None, wrapped: bytes | None
    ) -> bool:
        """Whether a wrapped key as stored for ``row_id`` (in a backup, say) opens."""
        try:
            crypto.unwrap_data_key(
                keyring, kek_id, None if wrapped is None else bytes(wrapped), cls._key_aad(row_id)
            )
        except CryptoError:
            return False
        return True

    def shred(self) -> None:
        """Delete the data key: everything sealed under it becomes unreadable for good."""
        self.wrapped_key = None
        self.kek_id = None
        self.__dict__.pop("_intake_aead", None)


# --- what a sealed column holds -----------------------------------------------------------------


class Codec(Protocol[T]):
    """How a sealed column's value becomes plaintext bytes and back."""

    def encode(self, value: T, /) -> bytes | None:
        """The plaintext to seal; None leaves the column empty (NULL)."""

    def decode(self, data: bytes | None, /) -> T:
        """The value of a plaintext; ``None`` for an empty column (never sealed, or emptied)."""


@dataclass(frozen=True)
class Text:
    """UTF-8 text; an empty column reads as "". ``max_chars`` cuts what is sealed."""

    max_chars: int | None = None

    def encode(self, value: str, /) -> bytes:
        """The text, cut to ``max_chars``."""
        return value[: self.max_chars].encode()

    def decode(self, data: bytes | None, /) -> str:
        """The text ("" for an empty column)."""
        return data.decode() if data is not None else ""


class OptionalText:
    """UTF-8 text or nothing (None is stored as NULL and reads back as None)."""

    def encode(self, value: str | None, /) -> bytes | None:
        """The text, or None."""
        return None if value is None else value.encode()

    def decode(self, data: bytes | None, /) -> str | None:
        """The text, or None."""
        return None if data is None else data.decode()


class Bytes:
    """Raw bytes (attachments); an empty column reads as b""."""

    def encode(self, value: bytes, /) -> bytes:
        """The bytes themselves."""
        return value

    def decode(self, data: bytes | None, /) -> bytes:
        """The bytes (b"" for an empty column)."""
        return data if data is not None else b""


class Point:
    """A (lat, lon) pair as the JSON ``[lat, lon]``, or nothing."""

    def encode(self, value: tuple[float, float] | None, /) -> bytes | None:
        """``[lat, lon]``, or None."""
        return None if value is None else json.dumps([value[0], value[1]]).encode()

    def decode(self, data: bytes | None, /) -> tuple[float, float] | None:
        """The pair, or None."""
        if data is None:
            return None
        lat, lon = json.loads(data)
        return float(lat), float(lon)


class Evidence:
    """The classifier's evidence, ``{"category": [...], "urgency": [...]}`` as JSON."""

    def encode(self, value: Mapping[str, list[str]], /) -> bytes:
        """The two lists (missing ones empty) as JSON."""
        category, urgency = value.get("category", []), value.get("urgency", [])
        return json.dumps({"category": list(category), "urgency": list(urgency)}).encode()

    def decode(self, data: bytes | None, /) -> dict[str, list[str]]:
        """Both lists, empty for an empty column."""
        found = json.loads(data) if data else {}
        return {
            "category": list(found.get("category", [])),
            "urgency": list(found.get("urgency", [])),
        }


class Identity:
    """Whatever identifies a reporter, as a JSON object with sorted keys; empty reads as {}."""

    def encode(self, value: Mapping[str, str], /) -> bytes:
        """The object, keys sorted (equal identities give equal plaintexts)."""
        return json.dumps(dict(value), sort_keys=True).encode()

    def decode(self, data: bytes | None, /) -> dict[str, str]:
        """The object ({} for an empty column)."""
        return dict(json.loads(data)) if data else {}


TEXT = Text()
OPTIONAL_TEXT = OptionalText()
BYTES = Bytes()
POINT = Point()
EVIDENCE = Evidence()
IDENTITY = Identity()


# --- the descriptors ----------------------------------------------------------------------------


class SealedField:
    """What every sealed column knows: its table, column and row, hence its associated data."""

    #: Every sealed column declared on a model, for the test that pins their associated data.
    declared: ClassVar[list[SealedField]] = []

    def __init__(self, *, row: str = "id", column: str | None = None) -> None:
        self.row = row
        self.column = column or ""
        self.table = ""
        self.name = ""

    def __set_name__(self, owner: type[object], name: str) -> None:
        table = getattr(owner, "__tablename__", None)
        if not isinstance(table, str):
            raise TypeError(f"{owner.__name__}.{name}: a sealed column belongs to a table model")
        for attribute in self._needs(name):
            if not hasattr(owner, attribute):
                raise TypeError(f"{owner.__name__}.{name}: {owner.__name__} has no {attribute!r}")
        self.table, self.name, self.column = table, name, self.column or name
        SealedField.declared.append(self)

    def _needs(self, name: str) -> tuple[str, ...]:
        """The attributes of the model this column reads (checked when the model is defined)."""
        return (self.row,)

    def associated_data(self, row_id: object) -> bytes:
        """The associated data of this column's ciphertext in row ``row_id``."""
        return crypto.aad_for(self.table, self.column, row_id)

    def associated_data_of(self, instance: object) -> bytes:
        """The associated data of this column's ciphertext in ``instance``."""
        row_id = getattr(instance, self.row)
        if row_id is None:
            raise ValueError(f"{self.table}.{self.column}: the row has no {self.row} yet")
        return self.associated_data(row_id)

    def __set__(self, instance: object, value: object) -> None:
        # A data descriptor, so ``tip.narrative = text`` cannot quietly store clear text.
        raise AttributeError(f"{self.table}.{self.name} is sealed: use .seal(keyring, value)")


class Sealed(SealedField, Generic[T]):
    """A column sealed under a row's data key: the row's own, or that of ``under`` (its tip).

    ``storage`` is the ciphertext attribute (``<name>_ct`` unless given).
    """

    def __init__(
        self,
        codec: Codec[T],
        *,
        under: str | None = None,
        row: str = "id",
        column: str | None = None,
        storage: str | None = None,
    ) -> None:
        super().__init__(row=row, column=column)
        self.codec = codec
        self.under = under
        self.storage = storage or ""

    def __set_name__(self, owner: type[object], name: str) -> None:
        self.storage = self.storage or f"{name}_ct"
        super().__set_name__(owner, name)

    def _needs(self, name: str) -> tuple[str, ...]:
        return (self.row, self.storage or f"{name}_ct", self.under or "aead")

    @overload
    def __get__(self, instance: None, owner: type[object]) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type[object]) -> SealedValue[T]: ...

    def __get__(self, instance: object | None, owner: type[object]) -> Self | SealedValue[T]:
        if instance is None:
            return self
        return SealedValue(self, instance)


class SealedValue(Generic[T]):
    """One row's sealed column: ``read`` and ``seal`` it with the keyring."""

    __slots__ = ("_field", "_row")

    def __init__(self, field: Sealed[T], row: object) -> None:
        self._field = field
        self._row = row

    def _key_owner(self) -> KeyOwner:
        owner = self._row if self._field.under is None else getattr(self._row, self._field.under)
        if not isinstance(owner, KeyOwner):
            where = f"{self._field.table}.{self._field.column}"
            raise ValueError(f"{where}: no {self._field.under or 'row'} holds its data key")
        return owner

    @property
    def is_set(self) -> bool:
        """Whether the column holds a ciphertext (readable without the key)."""
        return bool(getattr(self._row, self._field.storage))

    @property
    def associated_data(self) -> bytes:
        """The associated data this row's ciphertext is bound to."""
        return self._field.associated_data_of(self._row)

    def read(self, keyring: Keyring) -> T:
        """The decrypted value (the codec's empty value for an empty column).

        Raises DecryptionError for a ciphertext of another row or column, KeyShreddedError when
        the data key was deleted.
        """
        blob = getattr(self._row, self._field.storage)
        if not blob:
            return self._field.codec.decode(None)
        plaintext = crypto.unseal(
            self._key_owner().aead(keyring), bytes(blob), self.associated_data
        )
        return self._field.codec.decode(plaintext)

    def seal(self, keyring: Keyring, value: T) -> None:
        """Encrypt ``value`` under the data key, bound to this column of this row."""
        plaintext = self._field.codec.encode(value)
        blob = None
        if plaintext is not None:
            blob = crypto.seal(self._key_owner().aead(keyring), plaintext, self.associated_data)
        setattr(self._row, self._field.storage, blob)


class SealedBySecret(SealedField):
    """Text sealed under a key derived from a client's secret and the server's receipt key.

    The client's idempotency key is that secret: only the same client can get its receipt back.
    """

    def __init__(self, *, row: str, storage: str, column: str | None = None) -> None:
        super().__init__(row=row, column=column)
        self.storage = storage

    def _needs(self, name: str) -> tuple[str, ...]:
        return (self.row, self.storage)

    @overload
    def __get__(self, instance: None, owner: type[object]) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type[object]) -> SealedBySecretValue: ...

    def __get__(self, instance: object | None, owner: type[object]) -> Self | SealedBySecretValue:
        if instance is None:
            return self
        return SealedBySecretValue(self, instance)


class SealedBySecretValue:
    """One row's column sealed under a client's secret."""

    __slots__ = ("_field", "_row")

    def __init__(self, field: SealedBySecret, row: object) -> None:
        self._field = field
        self._row = row

    def read(self, keyring: Keyring, secret: str) -> str | None:
        """The decrypted text, None for an empty column; DecryptionError for another secret."""
        blob = getattr(self._row, self._field.storage)
        if blob is None:
            return None
        key = crypto.derive_sealing_key(keyring, secret)
        aad = self._field.associated_data_of(self._row)
        return crypto.unseal(key, bytes(blob), aad).decode()

    def seal(self, keyring: Keyring, secret: str, value: str) -> None:
        """Encrypt ``value`` under the key of ``secret``, bound to this column of this row."""
        key = crypto.derive_sealing_key(keyring, secret)
        aad = self._field.associated_data_of(self._row)
        setattr(self._row, self._field.storage, crypto.seal(key, value.encode(), aad))


class SealedEntry(SealedField):
    """A short value kept in one entry of a JSON column, sealed under a key-encryption key.

    For values held briefly and bound to no data key (a provider's message id waiting to be
    deleted at the provider). The associated data names the column as ``<storage>.<entry>``.
    """

    def __init__(self, *, storage: str, entry: str, purpose: str, row: str = "id") -> None:
        super().__init__(row=row, column=f"{storage}.{entry}")
        self.storage = storage
        self.entry = entry
        self.purpose = purpose

    def _needs(self, name: str) -> tuple[str, ...]:
        return (self.row, self.storage)

    @overload
    def __get__(self, instance: None, owner: type[object]) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type[object]) -> SealedEntryValue: ...

    def __get__(self, instance: object | None, owner: type[object]) -> Self | SealedEntryValue:
        if instance is None:
            return self
        return SealedEntryValue(self, instance)


class SealedEntryValue:
    """One row's sealed JSON entry."""

    __slots__ = ("_field", "_row")

    def __init__(self, field: SealedEntry, row: object) -> None:
        self._field = field
        self._row = row

    def _document(self) -> dict[str, Any]:
        document = getattr(self._row, self._field.storage)
        return dict(document) if isinstance(document, Mapping) else {}

    def read(self, keyring: Keyring) -> str | None:
        """The decrypted value, None when there is none; DecryptionError if it does not open."""
        sealed = self._document().get(self._field.entry)
        if not isinstance(sealed, str):
            return None
        return crypto.open_value(keyring, sealed, self._field.associated_data_of(self._row))

    def seal(self, keyring: Keyring, value: str) -> None:
        """Seal ``value`` into the entry (the JSON column is replaced, so the change is seen)."""
        aad = self._field.associated_data_of(self._row)
        sealed = crypto.seal_value(keyring, self._field.purpose, value, aad)
        setattr(self._row, self._field.storage, {**self._document(), self._field.entry: sealed})


__all__ = [
    "BYTES",
    "EVIDENCE",
    "IDENTITY",
    "OPTIONAL_TEXT",
    "POINT",
    "TEXT",
    "Codec",
    "KeyOwner",
    "Sealed",
    "SealedBySecret",
    "SealedEntry",
    "SealedField",
    "SealedValue",
    "Text",
]
