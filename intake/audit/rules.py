"""How an audit event is hashed: pure, so the chain can be checked anywhere."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


def event_hash(
    *,
    prev_hash: str,
    seq: int,
    created_at: datetime,
    actor_kind: str,
    actor_user_id: int | None,
    action: str,
    tip_id: Any,
    details: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and a canonical JSON of the event."""
    canonical = json.dumps(
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
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()
