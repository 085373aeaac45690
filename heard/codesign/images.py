"""Which pictures an idea may carry. The checking itself is `heard.core.images.cleaned_image`."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from heard.core.images import cleaned_image

IDEA_PICTURE_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})


def idea_picture(upload: Any) -> ContentFile:
    """An idea's picture, re-encoded without its metadata; ValidationError keyed "image" otherwise."""
    return cleaned_image(upload, field="image", allowed_formats=IDEA_PICTURE_FORMATS)
