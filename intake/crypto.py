"""All of Intake's cryptography: keyring, envelope encryption, blind index, receipt digests.

- Key-encryption keys (KEKs) live in a keyring with key ids: one list for identities (who the
  tipster is) and one for content (narratives, locations, messages, attachments). The newest key of
  a purpose wraps new data keys; older ones still unwrap until ``keys rotate`` re-wraps.
- Each reporter and each tip has its own random 256-bit data key, stored wrapped (AES-256-GCM) on
  its row. Deleting the wrapped key crypto-shreds everything sealed under it.
- Every ciphertext's associated data names its table, column and row, so a ciphertext copied into
  another row or column fails to open.
- Blind indexes and receipt digests are HMAC-SHA256 under their own keys; every digest Intake
  computes (tokens, provider message keys, rate-limit keys, checksums) is made here.
- The audit chain is linked with HMAC-SHA256 under the audit key; each event names the key id
  that linked it, so an audit key can be replaced while older events still verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEK_PURPOSES = ("identity", "content")
HMAC_PURPOSES = ("blind_index", "receipt", "audit", "search")
PURPOSES = KEK_PURPOSES + HMAC_PURPOSES
# Purposes a new key may be added for: each use records the key id, so older keys keep working.
# Blind-index and receipt keys cannot be replaced without recomputing every digest.
ROTATABLE_PURPOSES = ("identity", "content", "audit")
# Keyrings written before the audit key existed get one derived from their receipt key (see
# Keyring): they keep working, and `keys generate --add` gives them a key of its own.
DERIVED_AUDIT_PREFIX = "audit-derived-"
# Likewise a search key, derived from the blind-index key; tokens are recomputed with
# `search reindex` when a keyring gains a key of its own.
DERIVED_SEARCH_PREFIX = "search-derived-"
SEARCH_TOKEN_BYTES = 16
KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_VERSION = b"\x01"


class CryptoError(Exception):
    """Base class for every cryptographic failure."""


class KeyringError(CryptoError):
    """The keyring is missing, malformed, or lacks a key that is needed."""


class DecryptionError(CryptoError):
    """A ciphertext failed to authenticate: wrong key, wrong row, or tampered bytes."""


class KeyShreddedError(CryptoError):
    """The data key was deleted on purpose; what it protected is gone."""


@dataclass(frozen=True)
class Key:
    """One key of the keyring."""

    key_id: str
    purpose: str
    material: bytes


class Keyring:
    """Keys by id and by purpose; the last key listed for a purpose is the active one."""

    def __init__(self, keys: Iterable[Key]) -> None:
        self._by_id: dict[str, Key] = {}
        self._active: dict[str, Key] = {}
        for key in keys:
            if key.purpose not in PURPOSES:
                raise KeyringError(f"unknown key purpose {key.purpose!r} for key {key.key_id!r}")
            if len(key.material) != KEY_BYTES:
                raise KeyringError(f"key {key.key_id!r} must be {KEY_BYTES} bytes")
            if key.key_id in self._by_id:
                raise KeyringError(f"key id {key.key_id!r} appears twice")
            self._by_id[key.key_id] = key
            self._active[key.purpose] = key
        if "receipt" in self._active:
            # Kept even once the keyring has audit keys of its own: events linked under the
            # derived key must still verify.
            derived = _derived_audit_key(self._active["receipt"])
            self._by_id.setdefault(derived.key_id, derived)
            self._active.setdefault("audit", derived)
        if "blind_index" in self._active and "search" not in self._active:
            searched = _derived_search_key(self._active["blind_index"])
            self._by_id[searched.key_id] = searched
            self._active["search"] = searched
        missing = [p for p in PURPOSES if p not in self._active]
        if missing:
            raise KeyringError(f"keyring has no key for: {', '.join(missing)}")
        self._aead: dict[str, AESGCM] = {
            k.key_id: AESGCM(k.material) for k in self._by_id.values() if k.purpose in KEK_PURPOSES
        }

    def active(self, purpose: str) -> Key:
        """The key that new material of ``purpose`` is protected with."""
        return self._active[purpose]

    @property
    def audit_key_is_derived(self) -> bool:
        """True when the keyring has no audit key of its own (an older keyring)."""
        return self._active["audit"].key_id.startswith(DERIVED_AUDIT_PREFIX)

    @property
    def search_key_is_derived(self) -> bool:
        """True when the keyring has no search key of its own (an older keyring)."""
        return self._active["search"].key_id.startswith(DERIVED_SEARCH_PREFIX)

    def hmac_key(self, purpose: str, key_id: str) -> Key:
        """A key of an HMAC purpose by id (audit events name the key that linked them)."""
        key = self._by_id.get(key_id)
        if key is None or key.purpose != purpose:
            raise KeyringError(f"keyring has no {purpose} key {key_id!r}")
        return key

    def kek(self, key_id: str) -> AESGCM:
        """The AEAD for a key-encryption key, by id."""
        try:
            return self._aead[key_id]
        except KeyError:
            raise KeyringError(f"keyring has no key-encryption key {key_id!r}") from None

    def key_ids(self, purpose: str) -> list[str]:
        """Ids of every key of ``purpose``, oldest first."""
        return [k.key_id for k in self._by_id.values() if k.purpose == purpose]

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """Parse the keyring format written by :func:`generate_keyring_document`."""
        try:
            document = json.loads(text)
            entries = document["keys"]
            keys = [
                Key(str(e["id"]), str(e["purpose"]), base64.b64decode(e["key"], validate=True))
                for e in entries
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringError(f"keyring is malformed ({type(exc).__name__})") from None
        return cls(keys)


def _derived_audit_key(receipt: Key) -> Key:
    """The audit key of a keyring that has none: an HMAC of a fixed label under the receipt key.

    Separate from every receipt digest (a different message), and as secret as the receipt key.
    """
    material = hmac.new(receipt.material, b"intake|audit-key|v1", hashlib.sha256).digest()
    return Key(f"{DERIVED_AUDIT_PREFIX}{receipt.key_id}", "audit", material)


def _derived_search_key(blind_index_key: Key) -> Key:
    """The search key of a keyring that has none: an HMAC of a fixed label under the blind-index
    key (a different label from every other use of that key, so no digest collides)."""
    label = b"intake|search-key|v1"
    material = hmac.new(blind_index_key.material, label, hashlib.sha256).digest()
    return Key(f"{DERIVED_SEARCH_PREFIX}{blind_index_key.key_id}", "search", material)


def _new_key_entry(purpose: str) -> dict[str, str]:
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return {
        "id": f"{purpose}-{stamp}-{secrets.token_hex(3)}",
        "purpose": purpose,
        "key": base64.b64encode(os.urandom(KEY_BYTES)).decode(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def generate_keyring_document(*, development: bool = False) -> dict[str, Any]:
    """A fresh keyring with one key of every purpose (marked if made for development)."""
    document: dict[str, Any] = {"version": 1, "keys": [_new_key_entry(p) for p in PURPOSES]}
    if development:
        # Production refuses a keyring with this mark: its keys sat in a checkout's instance/.
        document["development"] = True
    return document


def is_development_keyring(text: str) -> bool:
    """Whether a keyring document is the one development generated for itself."""
    try:
        document = json.loads(text)
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("development") is True


def add_key(document: Mapping[str, Any], purpose: str) -> dict[str, Any]:
    """A copy of ``document`` with a new active key for a rotatable purpose."""
    if purpose not in ROTATABLE_PURPOSES:
        # Blind-index and receipt keys cannot rotate without recomputing every digest.
        raise KeyringError(f"only {', '.join(ROTATABLE_PURPOSES)} keys can be added")
    return {"version": 1, "keys": [*document["keys"], _new_key_entry(purpose)]}


def add_missing_search_key(document: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """A copy of ``document`` with a search key if it had none, and whether one was added."""
    if any(entry.get("purpose") == "search" for entry in document["keys"]):
        return {"version": 1, "keys": list(document["keys"])}, False
    return {"version": 1, "keys": [*document["keys"], _new_key_entry("search")]}, True


def write_keyring_file(path: Path, document: Mapping[str, Any]) -> None:
    """Write a keyring file atomically, readable by its owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a leftover .tmp keeps its old mode through O_CREAT
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=2)
    os.replace(tmp, path)


def load_keyring(
    *, keyring_json: str | None, keyring_file: str | None, dev_path: Path | None
) -> Keyring:
    """The keyring from the environment's JSON, a key file, or (development) a generated file."""
    if keyring_json:
        return Keyring.from_json(keyring_json)
    if keyring_file:
        try:
            return Keyring.from_json(Path(keyring_file).read_text())
        except OSError as exc:
            raise KeyringError(f"cannot read keyring file ({exc.strerror})") from None
    if dev_path is None:
        raise KeyringError("no keyring configured: set INTAKE_KEYRING or INTAKE_KEYRING_FILE")
    if not dev_path.exists():
        write_keyring_file(dev_path, generate_keyring_document(development=True))
    return Keyring.from_json(dev_path.read_text())


def aad_for(table: str, column: str, row_id: object) -> bytes:
    """Associated data binding a ciphertext to one column of one row."""
    return f"intake|{table}|{column}|{row_id}".encode()


def new_data_key() -> bytes:
    """A random 256-bit data key."""
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes | AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM encrypt: version byte, nonce, ciphertext and tag."""
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_VERSION + nonce + aead.encrypt(nonce, plaintext, aad)


def unseal(key: bytes | AESGCM, blob: bytes, aad: bytes) -> bytes:
    """Open what :func:`seal` made, or raise DecryptionError."""
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT_VERSION:
        raise DecryptionError("ciphertext is malformed")
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        return aead.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise DecryptionError("ciphertext failed to authenticate") from None


def wrap_data_key(keyring: Keyring, purpose: str, data_key: bytes, aad: bytes) -> tuple[str, bytes]:
    """Wrap a data key under the active key-encryption key of ``purpose``."""
    kek = keyring.active(purpose)
    return kek.key_id, seal(keyring.kek(kek.key_id), data_key, aad)


def unwrap_data_key(
    keyring: Keyring, kek_id: str | None, wrapped: bytes | None, aad: bytes
) -> bytes:
    """Unwrap a data key; KeyShreddedError if it was deleted."""
    if wrapped is None or kek_id is None:
        raise KeyShreddedError("data key has been deleted")
    return unseal(keyring.kek(kek_id), wrapped, aad)


def blind_index(keyring: Keyring, kind: str, normalised_value: str) -> str:
    """HMAC-SHA256 of a normalised address: equal inputs match, the address is not stored."""
    key = keyring.active("blind_index").material
    return hmac.new(key, f"{kind}:{normalised_value}".encode(), hashlib.sha256).hexdigest()


def search_token(keyring: Keyring, word: str) -> bytes:
    """The blind search token of a normalised word: HMAC-SHA256 under the search key, truncated.

    128 bits keep accidental collisions out of reach at any index size; equal words give equal
    tokens, which is what lets the index be searched and what it leaks (docs/security.md).
    """
    key = keyring.active("search").material
    return hmac.new(key, f"w:{word}".encode(), hashlib.sha256).digest()[:SEARCH_TOKEN_BYTES]


def receipt_digest(keyring: Keyring, tip_number: str, receipt: str) -> bytes:
    """HMAC-SHA256 of a tip's receipt, bound to its tip number."""
    key = keyring.active("receipt").material
    return hmac.new(key, f"{tip_number}:{receipt}".encode(), hashlib.sha256).digest()


def forward_source_digest(keyring: Keyring, kind: str, normalised: str) -> bytes:
    """HMAC-SHA256 of a forwarded post's normalised link (``kind`` "url") or text ("text").

    Under a key derived from the blind-index key with a label of its own, so no digest here equals
    any other digest made with that key. Equal posts give equal digests: that is what flags a post
    forwarded twice, and all it tells without the key (docs/security.md).
    """
    label = b"intake|forward-source-key|v1"
    key = hmac.new(keyring.active("blind_index").material, label, hashlib.sha256).digest()
    return hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).digest()


def token_digest(token: str) -> str:
    """SHA-256 hex of a random token (API token, session id, enrolment link), stored instead of it.

    Unkeyed on purpose: the token is random and long, so no guess reaches it; a keyed digest is
    for values that can be guessed (addresses, codes, client addresses).
    """
    return hashlib.sha256(token.encode()).hexdigest()


def sha256_hex(data: bytes) -> str:
    """Unkeyed SHA-256 hex: checksums of content (attachments, images), the links of audit
    events written before keyed links, stable arbitrary orders. Never of a value that a guess
    could find (a phone number, a code): those take :func:`keyed_digest`."""
    return hashlib.sha256(data).hexdigest()


def keyed_digest(keyring: Keyring, label: str, value: str) -> str:
    """A hex HMAC under the blind-index key for a labelled use (rate-limit keys, idempotency)."""
    return blind_index(keyring, label, value)


def derive_sealing_key(keyring: Keyring, secret: str) -> bytes:
    """A 256-bit key from a client-held secret and the server's receipt key (both are needed)."""
    key = keyring.active("receipt").material
    return hmac.new(key, f"seal:{secret}".encode(), hashlib.sha256).digest()


def audit_mac(key: Key, message: bytes) -> str:
    """Hex HMAC-SHA256 under an audit key: the links of the audit chain and signed anchors."""
    if key.purpose != "audit":
        raise KeyringError(f"key {key.key_id!r} is not an audit key")
    return hmac.new(key.material, message, hashlib.sha256).hexdigest()


def seal_value(keyring: Keyring, purpose: str, plaintext: str, aad: bytes) -> str:
    """Seal a short value under the active key-encryption key of ``purpose``: ``key_id:base64``.

    For values kept only briefly and bound to no data key (a provider id waiting to be deleted
    at the provider); long-lived data belongs under a row's own data key.
    """
    kek = keyring.active(purpose)
    blob = seal(keyring.kek(kek.key_id), plaintext.encode(), aad)
    return f"{kek.key_id}:{base64.b64encode(blob).decode('ascii')}"


def open_value(keyring: Keyring, sealed: str, aad: bytes) -> str:
    """Open what :func:`seal_value` made, or raise DecryptionError (KeyringError: key gone)."""
    key_id, _, encoded = sealed.rpartition(":")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise DecryptionError("sealed value is malformed") from None
    return unseal(keyring.kek(key_id), blob, aad).decode()
