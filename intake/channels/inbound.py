"""From a provider's message to what the conversation rules store: the same for every channel.

Every message from a person is either stored (its words, a kept photo, what it shared, or a
placeholder for what could not be kept) or answered telling the person what to do instead.
Only photos are downloaded; a voice note, a video or a file becomes a placeholder the detective
reads and a line in the answer asking the tipster to write it.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.channels.conversation import PLACEHOLDERS, IncomingText
from intake.identity.service import Sender
from intake.submissions.service import NARRATIVE_MAX
from webhooks.base import InboundMessage, MediaRef

# Media kinds that are not content: answered like an empty message when alone.
_CONTENTLESS_KINDS = frozenset({"sticker"})


@dataclass(frozen=True)
class MediaPlan:
    """Which of a message's media to download (photos) and which are not kept, by kind."""

    photos: tuple[MediaRef, ...]
    unkept: tuple[str, ...]


def plan_media(message: InboundMessage) -> MediaPlan:
    """Split a message's media into photos to fetch and kinds that are never downloaded."""
    photos = tuple(ref for ref in message.media if ref.media_kind == "image")
    unkept = tuple(
        ref.media_kind
        for ref in message.media
        if ref.media_kind != "image" and ref.media_kind not in _CONTENTLESS_KINDS
    )
    return MediaPlan(photos, unkept)


def sender_of(message: InboundMessage) -> Sender:
    """The pipeline's Sender for a message (an id, never assumed to be a phone)."""
    return Sender(
        kind=message.sender_kind,
        address=message.sender,
        handle=message.sender_handle,
        via=message.extra.get("via"),
    )


def incoming_text(
    message: InboundMessage,
    event_key: str,
    *,
    images: tuple[bytes, ...],
    photos_failed: int,
    plan: MediaPlan,
    replied_key: str | None = None,
) -> IncomingText:
    """The conversation rules' view of one message: words, kept photos, notes and placeholders.

    ``event_key`` is the stored (digested) form of the provider message id, ``replied_key`` that
    of the message this one quotes (a WhatsApp reply), if any.
    """
    unkept = list(plan.unkept) + ["image"] * photos_failed
    unkept += [part for part in message.unreadable if part in ("unsupported", "encrypted")]
    notes: list[str] = []
    if message.location is not None:
        # The point itself goes on the tip; the note keeps a shared location visible in the
        # thread (and gives a location-only message something to store).
        notes.append("[Shared location: {:.5f}, {:.5f}]".format(*message.location))
    notes += message.shared
    notes += [PLACEHOLDERS[kind] for kind in unkept if kind in PLACEHOLDERS]
    text = message.text[:NARRATIVE_MAX]
    room = NARRATIVE_MAX - len(text) - 1
    kept_notes = []
    for note in notes:
        if len(note) + 1 > room:
            break  # the tipster's own words come first; a note that does not fit is dropped
        kept_notes.append(note)
        room -= len(note) + 1
    return IncomingText(
        channel=message.channel,
        provider=message.provider,
        event_id=event_key,
        sender=sender_of(message),
        text=text,
        images=images,
        location=message.location,
        images_failed=photos_failed,
        notes=tuple(kept_notes),
        unkept=tuple(unkept),
        is_greeting="greeting" in message.unreadable,
        replied_to=replied_key,
    )
