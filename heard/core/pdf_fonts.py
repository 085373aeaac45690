"""The fonts of the PDFs Heard makes, and text made fit for them.

The PDF standard fonts (Helvetica and the like) cover Windows-1252 alone: "ő", "ł", "ș", Greek and
Cyrillic would be lost. DejaVu Sans 2.37 (regular and bold) covers Latin with its extended letters,
Greek and Cyrillic. It is shipped in heard/core/fonts with its licence, which lets it be passed on,
so a server never depends on the fonts its system happens to have; reportlab embeds only the letters
a document uses. reportlab is imported inside the functions: it takes a third of a second to import,
which every web process would otherwise pay for a download few ask for.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import Any

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
# Right-to-left scripts (Hebrew, Arabic) need reordering, and Arabic joining, which reportlab does
# not do without HarfBuzz: their letters would read backwards, so they are not drawn.
_RIGHT_TO_LEFT = frozenset({"R", "AL"})
# Marks and invisible formatting (a variation selector after an emoji, a zero-width joiner): left out
# when the fonts lack them, rather than each drawn as a "?" of its own.
_INVISIBLE = frozenset({"Mn", "Me", "Cf"})


@functools.cache
def pdf_fonts() -> tuple[str, str]:
    """Register DejaVu Sans with reportlab, once per process, and give the names of its regular and
    bold faces. They are registered as one family, so `<b>` in a paragraph is set in the bold face."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    return REGULAR, BOLD


@functools.cache
def _drawn() -> frozenset[int]:
    """The characters both faces draw (the bold face has a few fewer than the regular)."""
    from reportlab.pdfbase import pdfmetrics

    regular, bold = pdf_fonts()
    faces = [pdfmetrics.getFont(name).face.charToGlyph for name in (regular, bold)]
    return frozenset(faces[0]) & frozenset(faces[1])


def _drawable(character: str, drawn: frozenset[int]) -> bool:
    return ord(character) in drawn and unicodedata.bidirectional(character) not in _RIGHT_TO_LEFT


def pdf_printable(text: Any) -> str:
    """Text the PDF's fonts show as written, composed (an "e" and a combining accent become the one
    letter "é", which the fonts draw well). A letter they lack is written without its accents if that
    leaves letters they have, else as "?" rather than as an empty box; the HTML report carries the
    exact text."""
    drawn = _drawn()
    kept = []
    for character in unicodedata.normalize("NFC", str(text)):
        if character.isspace() or _drawable(character, drawn):
            kept.append(character)
        elif unicodedata.category(character) not in _INVISIBLE:
            plain = "".join(c for c in unicodedata.normalize("NFKD", character) if not unicodedata.combining(c))
            kept.append(plain if plain and all(_drawable(c, drawn) for c in plain) else "?")
    return "".join(kept)
