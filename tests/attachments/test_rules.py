"""Photos lose every metadata block, and only images are accepted."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from intake.attachments.rules import AttachmentError, strip_image
from tests.factories import jpeg_with_gps


def test_gps_and_camera_details_are_removed() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()  # the fixture really carries EXIF
    clean = strip_image(original)
    image = Image.open(io.BytesIO(clean.data))
    assert clean.content_type == "image/jpeg"
    assert not image.getexif()
    assert "exif" not in image.info
    assert b"PhoneModel" not in clean.data
    assert image.size == (64, 48)


def test_orientation_is_applied_before_the_tag_is_dropped() -> None:
    image = Image.new("RGB", (80, 40), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when displayed
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    clean = Image.open(io.BytesIO(strip_image(buffer.getvalue()).data))
    assert clean.size == (40, 80)


def test_png_text_chunks_are_removed() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "taken at 12 Elm Street")
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(buffer, format="PNG", pnginfo=info)
    clean = strip_image(buffer.getvalue())
    assert clean.content_type == "image/png"
    assert b"Elm Street" not in clean.data


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4 not an image", b"\x89PNG\r\n\x1a\n broken"])
def test_non_images_are_refused(data: bytes) -> None:
    with pytest.raises(AttachmentError):
        strip_image(data)


def test_decompression_bomb_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, format="PNG")
    with pytest.raises(AttachmentError):
        strip_image(buffer.getvalue())
