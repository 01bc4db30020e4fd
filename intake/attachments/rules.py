"""Image sanitising: decode, re-encode from pixels only, so no EXIF, GPS or XMP survives."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# A 48-megapixel phone photo fits; a decompression bomb does not.
MAX_PIXELS = 60_000_000
OUTPUT_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/png",
    "MPO": "image/jpeg",
}


class AttachmentError(Exception):
    """The file is not an image we accept."""


@dataclass(frozen=True)
class CleanImage:
    """An image with every metadata block removed."""

    data: bytes
    content_type: str
    sha256: str


def strip_image(data: bytes) -> CleanImage:
    """Decode an image and re-encode its pixels alone (orientation applied first)."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            if fmt not in OUTPUT_FORMATS:
                raise AttachmentError("unsupported image format")
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            out_format = "PNG" if fmt == "GIF" else ("JPEG" if fmt == "MPO" else fmt)
            if out_format == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            # A new image from the pixels alone: no info dict, no EXIF, no ICC, no XMP.
            clean = Image.new(upright.mode, upright.size)
            clean.paste(upright)
            palette = upright.getpalette() if upright.mode == "P" else None
            if palette:
                clean.putpalette(palette)
            buffer = io.BytesIO()
            options = {"quality": 90} if out_format in ("JPEG", "WEBP") else {}
            clean.save(buffer, format=out_format, **options)
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise AttachmentError(f"not a readable image ({type(exc).__name__})") from None
    cleaned = buffer.getvalue()
    return CleanImage(cleaned, OUTPUT_FORMATS[fmt], hashlib.sha256(cleaned).hexdigest())
