"""Photos lose every metadata block, and only images are accepted."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from intake.attachments.rules import (
    MAX_FRAMES,
    MAX_PIXELS,
    AttachmentError,
    PixelBudget,
    strip_image,
)
from tests.factories import gif_with_frames, jpeg_with_gps, png_bomb


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


@pytest.mark.parametrize(
    "size",
    [
        (12_000, 10_000),  # twice the cap: Pillow itself only warns at exactly 2x
        (MAX_PIXELS // 1000 + 1, 1000),  # just over the cap
        (65_000, 65_000),  # far over it
    ],
)
def test_a_bomb_is_refused_from_its_header_before_any_pixel_is_decoded(
    size: tuple[int, int], no_decoding: None
) -> None:
    bomb = png_bomb(*size)
    assert len(bomb) < 1_000_000  # small on the wire: only the header tells
    with pytest.raises(AttachmentError):
        strip_image(bomb)


def test_pillow_itself_refuses_bombs_above_twice_the_cap() -> None:
    # Any other Image.open in the process is guarded too, not only strip_image's.
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_an_animation_with_too_many_frames_is_refused() -> None:
    strip_image(gif_with_frames(2))  # a small animation is fine (its first frame is kept)
    with pytest.raises(AttachmentError):
        strip_image(gif_with_frames(MAX_FRAMES + 1))


def test_one_upload_decodes_at_most_its_pixel_budget() -> None:
    photo = jpeg_with_gps((10, 10))
    budget = PixelBudget(250)
    strip_image(photo, budget)
    strip_image(photo, budget)
    with pytest.raises(AttachmentError):
        strip_image(photo, budget)
    assert budget.remaining == 50


def test_the_default_budget_holds_ten_phone_photos_but_not_three_bombs() -> None:
    budget = PixelBudget()
    for _ in range(10):
        budget.charge(12_000_000)
    fresh = PixelBudget()
    fresh.charge(MAX_PIXELS - 1)
    fresh.charge(MAX_PIXELS - 1)
    with pytest.raises(AttachmentError):
        fresh.charge(MAX_PIXELS - 1)
