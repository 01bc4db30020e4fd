"""Image sanitising: decode, re-encode from pixels only, so no EXIF, GPS or XMP survives.

A file is judged by its header before a single pixel is decoded: a few hundred kilobytes of
compressed zeros can declare a picture that takes gigabytes and seconds to decode (a decompression
bomb). Refusing by the declared size is what bounds memory and time, on every channel, whatever
Python's warning filters say.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from intake import crypto

# A 48-megapixel phone photo fits; a decompression bomb does not.
MAX_PIXELS = 60_000_000
# Only the first frame is kept; a file declaring more frames than any photo has is refused.
MAX_FRAMES = 500
# Pixels decoded for one upload (a form post, an MMS, a DM, a forward), all photos together:
# ten 12-megapixel MMS photos fit, ten bombs just under MAX_PIXELS do not.
MAX_UPLOAD_PIXELS = 2 * MAX_PIXELS
OUTPUT_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/png",
    "MPO": "image/jpeg",
    # iPhones send HEIC/HEIF (read by pillow-heif's libheif); stored as JPEG, which every browser
    # and records system shows.
    "HEIF": "image/jpeg",
}

# Pillow's own guard, for every image this process opens: above the limit it only warns, above
# twice the limit it raises. The refusal at MAX_PIXELS itself is ours (check_header), made from
# the header, so it holds where the warning is merely printed.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# HEIC/HEIF through Pillow's own Image.open, so the same header checks apply before decoding.
pillow_heif.register_heif_opener()


class AttachmentError(Exception):
    """The file is not an image we accept."""


@dataclass(frozen=True)
class CleanImage:
    """An image with every metadata block removed."""

    data: bytes
    content_type: str
    sha256: str


class PixelBudget:
    """The pixels one upload may still decode; shared by all of its photos."""

    def __init__(self, pixels: int | None = None) -> None:
        self.remaining = MAX_UPLOAD_PIXELS if pixels is None else pixels

    def charge(self, pixels: int) -> None:
        """Take ``pixels`` from the budget before decoding them, or AttachmentError."""
        if pixels > self.remaining:
            raise AttachmentError("the upload's photos are too large together")
        self.remaining -= pixels


def check_header(image: Image.Image) -> int:
    """Refuse a lazily opened image by what its header declares; the pixels it will decode."""
    width, height = image.size
    pixels = width * height
    if width <= 0 or height <= 0 or pixels > MAX_PIXELS:
        raise AttachmentError("image dimensions out of bounds")
    # APNG and WebP declare their frame count in the header; GIF's is counted by walking the
    # file without decoding, which the upload size bounds.
    if getattr(image, "n_frames", 1) > MAX_FRAMES:
        raise AttachmentError("too many frames")
    return pixels


def strip_image(data: bytes, budget: PixelBudget | None = None) -> CleanImage:
    """Decode an image and re-encode its pixels alone (orientation applied first).

    The header is checked (dimensions, frames, the upload's ``budget``) before anything is
    decoded; AttachmentError when the file is refused or unreadable.
    """
    try:
        with Image.open(io.BytesIO(data)) as probe:
            pixels = check_header(probe)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            if fmt not in OUTPUT_FORMATS:
                raise AttachmentError("unsupported image format")
            if image.size[0] * image.size[1] != pixels:
                raise AttachmentError("image header changed between reads")
            if budget is not None:
                budget.charge(pixels)
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            out_format = {"GIF": "PNG", "MPO": "JPEG", "HEIF": "JPEG"}.get(fmt, fmt)
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
        # Raised, not printed, where warnings are errors (the test suite); refused either way.
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise AttachmentError(f"not a readable image ({type(exc).__name__})") from None
    cleaned = buffer.getvalue()
    return CleanImage(cleaned, OUTPUT_FORMATS[fmt], crypto.sha256_hex(cleaned))
