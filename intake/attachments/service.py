"""Attaching a sanitised image to a tip."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from intake.attachments.rules import PixelBudget, strip_image
from intake.crypto import Keyring
from intake.models import Attachment, Tip
from intake.related.rules import photo_word
from intake.search.index import index_tokens


def attach_image(
    session: Session,
    keyring: Keyring,
    tip: Tip,
    data: bytes,
    *,
    message_id: uuid.UUID | None = None,
    budget: PixelBudget | None = None,
) -> Attachment:
    """Strip metadata from an image, seal it under the tip's key and add it to the tip.

    ``budget``: the pixels the upload this image came with may still decode (one per upload).
    Raises AttachmentError when the bytes are not an image we accept.
    """
    clean = strip_image(data, budget)
    attachment = Attachment(
        tip_id=tip.id,
        message_id=message_id,
        content_type=clean.content_type,
        size_bytes=len(clean.data),
        sha256=clean.sha256,
    )
    tip.attachments.append(attachment)
    attachment.data.seal(keyring, clean.data)
    session.add(attachment)
    try:
        photo = photo_word(clean.data)
    except (OSError, ValueError):
        photo = None  # a hash is a convenience: the photo is kept whether or not it hashes
    if photo is not None:
        index_tokens(session, keyring, tip, "photo", {photo})
    return attachment


def read_attachment(keyring: Keyring, attachment: Attachment) -> bytes:
    """The decrypted bytes of an attachment."""
    return attachment.data.read(keyring)
