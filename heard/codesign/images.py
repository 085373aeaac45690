"""Pictures people attach to ideas: checked to be an image and saved again, so that no metadata
(a phone's location, the camera's serial number) and nothing but pixels reaches the site."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
# Larger than this in pixels is refused before decoding (a "decompression bomb").
MAX_PIXELS = 40_000_000


def cleaned_image(upload: Any) -> ContentFile:
    """A re-encoded copy of an uploaded picture (JPEG, or PNG when it has transparency), at most
    MAX_SIDE pixels on its longer side. Raises ValidationError for anything else."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"image": _("The picture must be smaller than 5 MB.")})
    try:
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as source:
            if source.width * source.height > MAX_PIXELS:
                raise ValidationError({"image": _("The picture is too large. Choose a smaller one.")})
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
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError({"image": _("The file must be a picture: a JPEG, PNG, GIF or WebP.")}) from None
    return ContentFile(output.getvalue(), name=f"picture.{extension}")
