"""The report of a conversation as a PDF: text people can select and search, the map drawn as vector
graphics (reportlab), in DejaVu Sans so that statements in any Latin, Greek or Cyrillic letters keep
them (see `heard.core.pdf_fonts`). reportlab is imported inside the functions that draw: it takes a
third of a second to import, which every web process and test run would otherwise pay for a download
few ask for."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from heard.conversations.models import Conversation
from heard.conversations.report import (
    CACHE_SECONDS,
    MAP_SIZE,
    MARK_EXTENT,
    MARK_RADIUS,
    letter_box,
    mark_corners,
    report_context,
    shown_statements_stamp,
    time_stamp,
)
from heard.core.pdf_fonts import pdf_fonts, pdf_printable

# Part of the cache key: changed whenever the PDF's layout or fonts change, so copies made before are
# not served until their map changes.
PDF_LAYOUT = "4"
_UNIT = 2.6 / 3  # a unit of the page's mark outlines, in points on the PDF's map (a triangle 2.6 high)
_BADGE = 9  # the radius of the disc behind a group's letter


def _pdf_key(conversation: Conversation) -> str:
    # The PDF changes with the map, the conversation's own fields (its topic), the statements shown
    # (one taken out must leave it at once) and the language.
    return ":".join(
        [
            "conversations:report-pdf",
            PDF_LAYOUT,
            str(conversation.pk),
            time_stamp(conversation.analysed_at),
            time_stamp(conversation.updated_at),
            shown_statements_stamp(conversation),
            translation.get_language() or "",
        ]
    )


def _pdf_language() -> str:
    """The active language as BCP 47 ("en-gb" becomes "en-GB"), as PDF readers expect it."""
    language, _sep, region = (translation.get_language() or "en").partition("-")
    return f"{language}-{region.upper()}" if region else language


def _pdf_text(text: Any) -> str:
    """Text for a paragraph of the PDF (which reads markup): as its fonts show it, and escaped."""
    return escape(pdf_printable(text))


def _mark(shape: str, x: float, y: float, colour: Any, size: float) -> Any:
    """A mark on the PDF's map, centred on (x, y): the page's outline of the shape (`report.mark_corners`),
    `size` points to a unit of it, y flipped (PDF counts upwards)."""
    from reportlab.graphics.shapes import Circle, Polygon

    if shape == "circle":
        return Circle(x, y, MARK_RADIUS * size, fillColor=colour, strokeColor=None)
    corners = [v for dx, dy in mark_corners(shape) for v in (x + dx * size, y - dy * size)]
    return Polygon(corners, fillColor=colour, strokeColor=None)


def _pdf_map(context: dict[str, Any], width: float) -> Any:
    """The opinion map as vector graphics: the same marks and letters as the page's SVG."""
    from reportlab.graphics.shapes import Circle, Drawing, Rect, String
    from reportlab.lib import colors

    _regular, bold = pdf_fonts()
    scale = width / MAP_SIZE
    drawing = Drawing(width, width)
    drawing.add(Rect(0, 0, width, width, fillColor=colors.white, strokeColor=colors.HexColor("#c8ccd4")))
    colour_of = {group["shape"]: colors.HexColor(group["colour"]) for group in context["groups"]}
    for point in context["points"]:
        # SVG counts y downwards, PDF upwards: flip it so the two maps look the same.
        x, y = point["x"] * scale, width - point["y"] * scale
        drawing.add(
            _mark(point["shape"], x, y, colour_of.get(point["shape"], colors.grey), size=_UNIT * point["scale"])
        )
    # Each letter in a white disc, beside the group's centre and clear of the largest mark there (as
    # on the page): above it, or below when the centre is near the top.
    for group in context["groups"]:
        x, top, bottom = letter_box(
            group["cx"] * scale,
            group["cy"] * scale,
            clearance=_UNIT * MARK_EXTENT + 1,
            height=2 * _BADGE,
            half_width=_BADGE,
            size=width,
        )
        y = width - (top + bottom) / 2  # the disc's centre, counted upwards
        drawing.add(Circle(x, y, _BADGE, fillColor=colors.white, strokeColor=colors.HexColor(group["colour"])))
        drawing.add(String(x, y - 4.3, group["name"], fontName=bold, fontSize=12, textAnchor="middle"))
    return drawing


def _pdf_story(context: dict[str, Any]) -> list[Any]:
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, ListFlowable, Paragraph, Spacer, Table, TableStyle

    regular, bold = pdf_fonts()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=regular)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=11)
    title_style = ParagraphStyle("title", parent=styles["Title"], fontName=bold)
    heading2 = ParagraphStyle("heading2", parent=styles["Heading2"], fontName=bold)
    heading3 = ParagraphStyle("heading3", parent=styles["Heading3"], fontName=bold)
    conversation: Conversation = context["conversation"]
    line = colors.HexColor("#c8ccd4")

    def table(rows: list[list[Any]], widths: list[float], *, numbers_from: int) -> Table:
        """A table with a header row, its columns from `numbers_from` on (numbers) aligned right."""
        found = Table(
            [[pdf_printable(cell) if isinstance(cell, str) else cell for cell in row] for row in rows],
            colWidths=widths,
            hAlign="LEFT",
            repeatRows=1,
        )
        found.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), regular),
                    ("FONTNAME", (0, 0), (-1, 0), bold),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, line),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("ALIGN", (numbers_from, 0), (-1, -1), "RIGHT"),
                ]
            )
        )
        return found

    def bullets(items: list[str]) -> Any:
        return ListFlowable(
            [Paragraph(item, body) for item in items], bulletType="bullet", bulletFontName=regular, leftIndent=12
        )

    if conversation.analysed_at:
        dated = _("%(organisation)s · map as of %(date)s") % {
            "organisation": conversation.organisation.name,
            "date": date_format(timezone.localtime(conversation.analysed_at), "j F Y"),
        }
    else:
        dated = _("%(organisation)s · %(date)s") % {
            "organisation": conversation.organisation.name,
            "date": date_format(timezone.localdate(), "j F Y"),
        }
    story: list[Any] = [
        Paragraph(_pdf_text(_("Where people stand: %(topic)s") % {"topic": conversation.topic}), title_style),
        Paragraph(_pdf_text(dated), body),
        Paragraph(_pdf_text(context["headline"]), body),
    ]
    if not context["enough"]:
        story += [
            Paragraph(_pdf_text(_("Not enough votes yet")), heading2),
            Paragraph(
                _pdf_text(_("The map of opinions appears once enough people have voted on enough statements.")),
                body,
            ),
        ]
    else:
        groups = context["groups"]
        story += [
            Paragraph(_pdf_text(_("The map of opinions")), heading2),
            Paragraph(
                _pdf_text(_("People who voted alike are close together.") + " " + context["clustered_sentence"]),
                body,
            ),
            Paragraph(_pdf_text(context["map_caption"]), small),
            _pdf_map(context, 95 * mm),
            Spacer(1, 4 * mm),
        ]
        rows: list[list[Any]] = [[_("Group"), _("Mark on the map"), _("People"), _("Share")]]
        for group in groups:
            mark = Drawing(10, 10)
            mark.add(_mark(group["shape"], 5, 5, colors.HexColor(group["colour"]), size=4 / 3))  # 4 points high
            rows.append([group["name"], mark, intcomma(group["size"]), f"{round(100 * group['share'])}%"])
        story += [
            Paragraph(_pdf_text(_("The groups")), heading3),
            table(rows, [20 * mm, 30 * mm, 25 * mm, 20 * mm], numbers_from=2),
            Paragraph(_pdf_text(_("What sets each group apart")), heading2),
        ]
        for group in groups:
            title = Paragraph(_pdf_text(group["title"]), heading3)
            if group["repness"]:
                said = [_pdf_text(f"{item['said']} “{item['text']}”") for item in group["repness"]]
                story.append(KeepTogether([title, bullets(said)]))
            else:
                story += [title, Paragraph(_pdf_text(_("No statement sets this group clearly apart yet.")), body)]
    story.append(Paragraph(_pdf_text(_("Where people agree across groups")), heading2))
    if context["consensus"]:
        story.append(
            bullets(
                [
                    _pdf_text(f"{_('Agreed') if item['direction'] == 'agree' else _('Disagreed')}: “{item['text']}”")
                    for item in context["consensus"]
                ]
            )
        )
    else:
        story.append(Paragraph(_pdf_text(_("None yet.")), body))
    story.append(Paragraph(_pdf_text(_("Where groups differ most")), heading2))
    if context["divisive"]:
        story.append(bullets([_pdf_text(f"“{item['text']}”") for item in context["divisive"]]))
    else:
        story.append(Paragraph(_pdf_text(_("None yet.")), body))
    story.append(Paragraph(_pdf_text(_("Votes over time")), heading2))
    if context["by_day"]:
        days = [[_("Day"), _("Votes")], *([day, intcomma(n)] for day, n in context["by_day"])]
        story.append(table(days, [30 * mm, 25 * mm], numbers_from=1))
    else:
        story.append(Paragraph(_pdf_text(_("No votes yet.")), body))
    return story


def _pdf_bytes(context: dict[str, Any]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    conversation: Conversation = context["conversation"]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Where people stand: %(topic)s") % {"topic": conversation.topic},
        author=conversation.organisation.name,
        subject=_("The report of a conversation on Heard"),
        creator="Heard",
        lang=_pdf_language(),
    )
    document.build(_pdf_story(context))
    return buffer.getvalue()


def report_pdf(conversation: Conversation) -> HttpResponse:
    """The report as a PDF: text people can select and search, the map drawn as vector graphics.
    Made once per map (and language) and kept in the cache, so repeated downloads cost nothing.
    Before there is any map it is short, and made afresh each time (its counts are live)."""

    def made() -> bytes:
        return _pdf_bytes(report_context(conversation))

    body = made() if conversation.analysed_at is None else cache.get_or_set(_pdf_key(conversation), made, CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{conversation.slug}-report.pdf"'
    return response
