"""Pictures people upload (an idea's picture, a publication's lead picture): checked to be an image
of an allowed format and saved again, so that no metadata (a phone's location, the camera's serial
number) and nothing but pixels reaches the site. The one place a picture is checked."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
# Larger than this in pixels is refused before decoding (a "decompression bomb").
MAX_PIXELS = 40_000_000
# Pillow's names for the formats, in the order they are named to people, with those names.
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WebP"}
DEFAULT_FORMATS = frozenset(FORMAT_NAMES)


def _formats_named(allowed: Iterable[str]) -> str:
    names = [name for key, name in FORMAT_NAMES.items() if key in set(allowed)]
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s or %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def cleaned_image(
    upload: Any,
    *,
    field: str = "image",
    allowed_formats: Iterable[str] = DEFAULT_FORMATS,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> ContentFile:
    """A re-encoded copy of an uploaded picture (JPEG, or PNG when it has transparency), at most
    MAX_SIDE pixels on its longer side. Raises ValidationError keyed by `field` for a file that is
    too big, is not a picture, or is not one of `allowed_formats` (Pillow's names: "JPEG", "PNG",
    "GIF", "WEBP")."""
    allowed = frozenset(allowed_formats)
    not_a_picture = ValidationError(
        {field: _("The file must be a picture: a %(formats)s.") % {"formats": _formats_named(allowed)}}
    )
    if upload.size > max_bytes:
        raise ValidationError(
            {field: _("The picture must be smaller than %(size)d MB.") % {"size": max_bytes // (1024 * 1024)}}
        )
    try:
        upload.seek(0)
        # Opening reads only the header: the size is checked before a single pixel is decoded.
        with Image.open(upload) as probe:
            if probe.format not in allowed:
                raise not_a_picture
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError({field: _("The picture is too large. Choose a smaller one.")})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as source:
            picture = ImageOps.exif_transpose(source)
            picture.thumbnail((MAX_SIDE, MAX_SIDE))
            transparent = picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info)
            output = io.BytesIO()
            if transparent:
                picture.convert("RGBA").save(output, format="PNG", optimize=True)
                extension = "png"
            else:
                picture.convert("RGB").save(output, format="JPEG", quality=85, optimize=True)
                extension = "jpg"
    except Image.DecompressionBombError:
        raise ValidationError({field: _("The picture is too large. Choose a smaller one.")}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_a_picture from None
    return ContentFile(output.getvalue(), name=f"picture.{extension}")
