"""Pure rules of forwarding: who forwards, the platforms offered."""

from __future__ import annotations

FORWARD_ROLES = ("social_media", "supervisor")
PLATFORMS = ("facebook", "instagram", "x", "tiktok", "whatsapp", "nextdoor", "youtube", "other")
