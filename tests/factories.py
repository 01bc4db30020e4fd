"""Small factories for test data, going through the real pipeline."""

from __future__ import annotations

import io
import struct
import zlib
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


def png_bomb(width: int = 12_000, height: int = 10_000) -> bytes:
    """A small PNG declaring ``width`` x ``height`` one-bit pixels of compressed zeros.

    Built chunk by chunk (IHDR, one zlib IDAT, IEND) so no test ever decodes the picture to make
    it: the default is 120 million pixels in about 15 KB.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def gif_with_frames(frames: int) -> bytes:
    """A 1x1 animated GIF of ``frames`` frames, written byte by byte."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame * frames + b"\x3b"
