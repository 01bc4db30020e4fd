"""Pure rules of a reveal: the reason it needs, the second factor, the hourly limit, its audit
actions."""

from __future__ import annotations

REVEAL_REASON_MIN = 10
# Reveals a user may make in REVEAL_WINDOW (setting REVEAL_LIMIT overrides the number).
REVEAL_LIMIT = 5
REVEAL_WINDOW_SECONDS = 3600
TOTP_DIGITS = 6
REVEALED = "identity.revealed"
REVEAL_REFUSED = "identity.reveal_refused"
REVEAL_ACTIONS = (REVEALED, REVEAL_REFUSED)
