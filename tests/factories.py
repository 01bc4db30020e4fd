"""Small factories for test data, going through the real pipeline."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from intake.crypto import Keyring
from intake.submissions.service import SubmittedTip, TipSubmission, submit_tip


def make_tip(session: Session, keyring: Keyring, **fields: Any) -> SubmittedTip:
    """Submit a tip through the pipeline and commit it."""
    values: dict[str, Any] = {
        "channel": "api",
        "narrative": "Someone is selling drugs by the park.",
    }
    values.update(fields)
    created = submit_tip(session, keyring, TipSubmission(**values))
    session.commit()
    return created


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG carrying EXIF GPS coordinates and a camera model, as a phone would write it."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "PhoneModel X1000"  # Model
    exif[0x8825] = {1: "N", 2: (42.0, 21.0, 30.0), 3: "W", 4: (71.0, 3.0, 45.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()
