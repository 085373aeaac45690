"""The one check every uploaded picture goes through (heard.core.images)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from heard.core.images import MAX_PIXELS, cleaned_image


def _upload(image: Image.Image, format: str, **save: object) -> SimpleUploadedFile:
    data = io.BytesIO()
    image.save(data, format=format, **save)
    return SimpleUploadedFile(f"picture.{format.lower()}", data.getvalue())


def test_cleaned_image_reencodes_without_metadata() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    upload = _upload(Image.new("RGB", (40, 30), "red"), "JPEG", exif=exif)

    cleaned = cleaned_image(upload)

    with Image.open(io.BytesIO(cleaned.read())) as result:
        assert (result.format, result.size) == ("JPEG", (40, 30))
        assert not result.getexif()


def test_cleaned_image_refuses_a_format_not_allowed_under_the_field_given() -> None:
    upload = _upload(Image.new("RGB", (40, 30), "red"), "GIF")

    with pytest.raises(ValidationError) as raised:
        cleaned_image(upload, field="lead_image", allowed_formats={"JPEG", "PNG", "WEBP"})

    assert raised.value.message_dict == {"lead_image": ["The file must be a picture: a JPEG, PNG or WebP."]}


def test_cleaned_image_refuses_what_is_not_a_picture() -> None:
    with pytest.raises(ValidationError) as raised:
        cleaned_image(SimpleUploadedFile("x.jpg", b"<script>alert(1)</script>"))

    assert raised.value.message_dict == {"image": ["The file must be a picture: a JPEG, PNG, GIF or WebP."]}


def test_cleaned_image_refuses_a_decompression_bomb_from_its_header() -> None:
    # A tiny file that would decode to more pixels than allowed: refused from its size alone.
    upload = _upload(Image.new("1", (8000, MAX_PIXELS // 8000 + 1)), "PNG")
    assert upload.size < 100_000

    with pytest.raises(ValidationError) as raised:
        cleaned_image(upload, field="lead_image")

    assert raised.value.message_dict == {"lead_image": ["The picture is too large. Choose a smaller one."]}


def test_cleaned_image_refuses_a_file_too_big() -> None:
    upload = _upload(Image.new("RGB", (40, 30), "red"), "PNG")

    with pytest.raises(ValidationError) as raised:
        cleaned_image(upload, max_bytes=10)

    assert list(raised.value.message_dict) == ["image"]
