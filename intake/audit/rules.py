"""How an audit event is linked into the chain, and how an anchor is signed: pure functions.

Each link is an HMAC-SHA256, under the audit key it names, of the previous link and a canonical
JSON of the event: without the key nobody can recompute the chain after deleting or editing rows.
Events written before keyed links existed carry a plain SHA-256 link and no key id ("legacy");
``flask intake audit rechain`` replaces those, and until then verification says so.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Any

from intake import crypto
from intake.crypto import Key

GENESIS_HASH = "0" * 64
ANCHOR_VERSION = 1


def canonical_event(
    *,
    seq: int,
    created_at: datetime,
    actor_kind: str,
    actor_user_id: int | None,
    action: str,
    tip_id: Any,
    details: dict[str, Any],
) -> str:
    """The event as canonical JSON: the same bytes wherever and whenever it is computed."""
    return json.dumps(
        {
            "seq": seq,
            "at": created_at.isoformat(timespec="microseconds"),
            "actor_kind": actor_kind,
            "actor": actor_user_id,
            "action": action,
            "tip": str(tip_id) if tip_id is not None else None,
            "details": details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def legacy_event_hash(*, prev_hash: str, canonical: str) -> str:
    """The unkeyed SHA-256 link of events written before keyed links (verification only)."""
    return crypto.sha256_hex(f"{prev_hash}|{canonical}".encode())


def event_hash(key: Key, *, prev_hash: str, canonical: str) -> str:
    """The keyed link: HMAC under ``key`` of its id, the previous link and the event."""
    return crypto.audit_mac(key, f"intake-audit|v2|{key.key_id}|{prev_hash}|{canonical}".encode())


def _anchor_message(fields: dict[str, Any]) -> bytes:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return f"intake-audit-anchor|v{ANCHOR_VERSION}|{body}".encode()


ANCHOR_FIELDS = ("version", "seq", "hash", "count", "at", "key_id")


def sign_anchor(key: Key, *, seq: int, head_hash: str, count: int, at: datetime) -> dict[str, Any]:
    """A signed statement of the chain's head, to be stored outside the database."""
    fields: dict[str, Any] = {
        "version": ANCHOR_VERSION,
        "seq": seq,
        "hash": head_hash,
        "count": count,
        "at": at.isoformat(timespec="seconds"),
        "key_id": key.key_id,
    }
    return {**fields, "signature": crypto.audit_mac(key, _anchor_message(fields))}


def anchor_signature_ok(key: Key, anchor: dict[str, Any]) -> bool:
    """Whether ``anchor`` carries a valid signature under ``key`` (constant-time compare)."""
    fields = {name: anchor.get(name) for name in ANCHOR_FIELDS}
    signature = anchor.get("signature")
    if not isinstance(signature, str):
        return False
    return hmac.compare_digest(crypto.audit_mac(key, _anchor_message(fields)), signature)
