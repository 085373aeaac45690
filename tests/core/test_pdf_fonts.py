"""The fonts Heard's PDFs are set in, and text made fit for them."""

from __future__ import annotations

from heard.core.pdf_fonts import pdf_printable


def test_pdf_printable_keeps_latin_greek_and_cyrillic_letters() -> None:
    written = "Zażółć gęślą jaźń – Ελληνικά – Кириллица – Gŵyl – Ștefan, Țară – Őry"
    assert pdf_printable(written) == written


def test_pdf_printable_composes_a_letter_and_its_accent() -> None:
    assert pdf_printable("Cafe\u0301") == "Café"


def test_pdf_printable_marks_a_letter_its_fonts_lack_rather_than_leaving_a_box() -> None:
    assert pdf_printable("Parks 公园") == "Parks ??"
    # Right-to-left text would be drawn backwards: the HTML report carries it.
    assert pdf_printable("שלום") == "????"
