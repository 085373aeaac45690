"""What the report of a conversation shows: the opinion map as an accessible SVG with its table, the
groups and what sets them apart, consensus and divisive statements, and participation over time;
and every statement's votes as CSV. The PDF is made in `report_pdf` from the same context.

The stored analysis holds every clustered participant (5.6 MB of JSON for 100,000 of them), far
more than a report draws. So when a map is stored, a bounded digest of it is kept beside the other
small figures in `Conversation.summary["report"]` (`report_digest_of`, called by `mapping.map_update`
in the same write as the map), and the report reads only that: never the analysis itself, which its
queries defer. Maps stored before digests were kept get theirs once, on first reading.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.http import HttpResponse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from heard.conversations import selectors
from heard.conversations.models import Conversation, Statement
from heard.core.text import spreadsheet_safe

MAP_SIZE = 400  # the SVG's width and height
MAP_MARGIN = 20
MAP_POINTS = 1500  # at most this many participants are drawn; every one counts in the groups
GROUP_NAMES = "ABCDEFGHIJ"
# One mark per group, told apart by shape as well as colour. The analysis makes at most five groups.
MAP_SHAPES = ("circle", "square", "triangle", "diamond", "cross")
SHAPE_NAMES = {
    "circle": gettext_lazy("circles"),
    "square": gettext_lazy("squares"),
    "triangle": gettext_lazy("triangles"),
    "diamond": gettext_lazy("diamonds"),
    "cross": gettext_lazy("crosses"),
}
# The colours of heard.css's .map-point--N, so the PDF looks like the page.
GROUP_COLOURS = ("#0b5d63", "#b4441b", "#5b3f8c", "#2f6b1f", "#8a6d00")
# Each shape's outline around its centre, as SVG path steps, for one participant. Participants in the
# same place (they voted alike) are drawn as one mark, larger: its area grows with how many it stands
# for, up to MAX_MARK_SCALE times the width. The largest are drawn first, so they never hide the
# smaller marks beside them.
MARK_RADIUS = 2.5
MAX_MARK_SCALE = 4.0
_OUTLINES = {
    "square": (("m", -2.25, -2.25), ("h", 4.5), ("v", 4.5), ("h", -4.5)),
    "triangle": (("m", 0, -3), ("l", 3, 5), ("h", -6)),
    "diamond": (("m", 0, -3), ("l", 3, 3, -3, 3, -3, -3)),
    "cross": (
        ("m", -1, -3),
        ("h", 2),
        ("v", 2),
        ("h", 2),
        ("v", 2),
        ("h", -2),
        ("v", 2),
        ("h", -2),
        ("v", -2),
        ("h", -2),
        ("v", -2),
        ("h", 2),
    ),
}
# How far the largest mark reaches from its centre: the outlines above reach 3 (the circle 2.5).
MARK_EXTENT = 3 * MAX_MARK_SCALE
# A group's letter (a 20px capital, 15 high, in a white outline of 2) stands 3 clear of the largest
# mark at its centre (see `letter_box`).
LETTER_OUTLINE = 2
LABEL_HEIGHT = 15 + 2 * LETTER_OUTLINE
LABEL_HALF_WIDTH = 7 + LETTER_OUTLINE
LABEL_CLEARANCE = MARK_EXTENT + 3
REPNESS_SHOWN = 5  # representative statements per group
LISTED = 10  # consensus and divisive statements
REPORT_KEY = "report"  # the digest's key in Conversation.summary
# The digest's layout: raised when it changes, so that digests kept in the old one are made again once.
DIGEST_FORMAT = 2
CACHE_SECONDS = 24 * 60 * 60


# --- the digest: what the report needs of a map, bounded -----------------------------------------


def time_stamp(analysed_at: dt.datetime | None) -> str:
    return analysed_at.isoformat() if analysed_at else ""


def _sample_evenly(members: list[Any], quota: int) -> list[Any]:
    if quota >= len(members):
        return members
    return [members[i * len(members) // quota] for i in range(quota)]


def _quotas(sizes: list[int], cap: int) -> list[int]:
    """How many of each group to draw: `cap` in all, each group keeping its share of the map
    (largest remainders get the places left by rounding down), and no group with members left off."""
    total = sum(sizes)
    if total <= cap:
        return sizes
    quotas = [size * cap // total for size in sizes]
    by_remainder = sorted(range(len(sizes)), key=lambda g: (sizes[g] * cap % total, sizes[g]), reverse=True)
    for g in by_remainder[: cap - sum(quotas)]:
        quotas[g] += 1
    for g, size in enumerate(sizes):
        if size and not quotas[g]:  # a place for a tiny group comes from the largest
            quotas[quotas.index(max(quotas))] -= 1
            quotas[g] = 1
    return quotas


def report_digest_of(analysis: dict[str, Any]) -> dict[str, Any]:
    """What the report needs of a stored analysis, in a size that does not grow with the number of
    participants: at most MAP_POINTS map points (sampled evenly within each group, so each keeps its
    share), already placed on the map; each group's size, centre and representative statements; the
    consensus and divisive statements. Points are one string ("x,y,group x,y,group ..."), because
    the summary is read by every voting request and a string costs next to nothing to decode."""
    groups = analysis.get("groups", [])
    enough = bool(analysis.get("enough_votes")) and bool(groups)
    clustered = analysis.get("participants_clustered", [])
    coordinates = analysis.get("coordinates", [])
    where = {str(p): xy for p, xy in zip(clustered, coordinates, strict=False)}
    members = [[m for m in group.get("members", []) if str(m) in where] for group in groups]
    quotas = _quotas([len(m) for m in members], MAP_POINTS)
    # Each group keeps the analysis's stable id, so its letter, mark and colour stay the same from one
    # map to the next (and match the `group-id` of a Pol.is export).
    ids = [int(group.get("id", position)) for position, group in enumerate(groups)]
    drawn = [
        (where[str(member)], group_id)
        for group_id, group_members, quota in zip(ids, members, quotas, strict=True)
        for member in _sample_evenly(group_members, quota)
    ]
    xs = [float(xy[0]) for xy, _g in drawn] or [0.0]
    ys = [float(xy[1]) for xy, _g in drawn] or [0.0]
    min_x, min_y = min(xs), min(ys)
    span = max(max(xs) - min_x, max(ys) - min_y, 1e-9)
    inner = MAP_SIZE - 2 * MAP_MARGIN
    # One scale for both axes (distances mean the same across and down); the shorter axis centred.
    min_x -= (span - (max(xs) - min_x)) / 2
    min_y -= (span - (max(ys) - min_y)) / 2

    def place(x: float, y: float) -> tuple[float, float]:
        return (
            round(MAP_MARGIN + (float(x) - min_x) / span * inner, 1),
            round(MAP_MARGIN + (float(y) - min_y) / span * inner, 1),
        )

    points = " ".join("{:g},{:g},{}".format(*place(xy[0], xy[1]), number) for xy, number in drawn)
    return {
        "format": DIGEST_FORMAT,
        "enough": enough,
        "clustered": len(clustered),
        "points": points if enough else "",
        "groups": [
            {
                "id": group_id,
                "size": int(group.get("size", len(group.get("members", [])))),
                "centre": list(place(*(group.get("centroid") or [0.0, 0.0])[:2])) if drawn else [0.0, 0.0],
                "repness": [
                    {
                        "statement_id": item["statement_id"],
                        "direction": item["direction"],
                        "p_success": float(item.get("p_success", 0)),
                    }
                    for item in group.get("repness", [])[:REPNESS_SHOWN]
                ],
            }
            for group_id, group in zip(ids, groups, strict=True)
        ],
        "consensus": [
            {
                "statement_id": item["statement_id"],
                "direction": item["direction"],
                "probability": float(item.get("probability", 0)),
            }
            for item in analysis.get("consensus", [])[:LISTED]
        ],
        "divisive": [{"statement_id": item["statement_id"]} for item in analysis.get("divisive", [])[:LISTED]],
    }


def report_digest_store(*, conversation_id: int) -> dict[str, Any]:
    """Keep the report's digest of a map stored without one (before digests were kept) or with one in an
    older format. Written only if the map is still the one it was made from, so a slow writer never
    puts an old digest beside a newer map."""
    row = Conversation.objects.filter(pk=conversation_id).values("analysis", "analysed_at", "summary").get()
    digest = report_digest_of(row["analysis"] or {})
    if row["analysed_at"] is not None:
        Conversation.objects.filter(pk=conversation_id, analysed_at=row["analysed_at"]).update(
            summary={**(row["summary"] or {}), REPORT_KEY: digest}
        )
    return digest


def report_digest(conversation: Conversation) -> dict[str, Any]:
    """The digest stored with the conversation's current map (`mapping` writes the two together). A map
    stored before digests were kept, or whose digest is in an older format, has it made once, here,
    from the analysis, and kept."""
    if conversation.analysed_at is None:
        return report_digest_of({})
    stored = (conversation.summary or {}).get(REPORT_KEY)
    if stored and stored.get("format") == DIGEST_FORMAT:
        return dict(stored)
    return report_digest_store(conversation_id=conversation.pk)


# --- the report page and the HTML file -------------------------------------------------------------


def _statement_ids(digest: dict[str, Any]) -> list[int]:
    ids = {item["statement_id"] for group in digest["groups"] for item in group["repness"]}
    ids |= {item["statement_id"] for item in digest["consensus"]}
    ids |= {item["statement_id"] for item in digest["divisive"]}
    return sorted(int(i) for i in ids if str(i).isdigit())


def _text(statements: dict[int, Statement], statement_id: Any) -> str | None:
    """A statement's text; None for one taken out since the map was made, which is not shown."""
    found = statements.get(int(statement_id)) if str(statement_id).isdigit() else None
    return found.text if found else None


def _points(digest: dict[str, Any]) -> list[dict[str, Any]]:
    """The marks to draw: one per place and group, with how many participants it stands for."""
    counts: dict[tuple[str, str, str], int] = {}
    for point in digest["points"].split():
        x, y, group = point.split(",")
        counts[(x, y, group)] = counts.get((x, y, group), 0) + 1
    points = []
    for (x, y, group), count in counts.items():
        mark = int(group) % len(MAP_SHAPES)
        points.append(
            {
                "x": float(x),
                "y": float(y),
                "group": mark,
                "shape": MAP_SHAPES[mark],
                "count": count,
                "scale": min(count**0.5, MAX_MARK_SCALE),
            }
        )
    points.sort(key=lambda point: -point["count"])  # stable: otherwise in the digest's order
    return points


@functools.cache
def _outline(shape: str, scale: float) -> str:
    """The shape's path steps at `scale`, as compact as SVG allows ("l3 3-3 3": no space before a minus)."""
    steps = []
    for step, *numbers in _OUTLINES[shape]:
        written = [f"{round(n * scale, 2):g}" for n in numbers]
        steps.append(step + "".join(w if i == 0 or w.startswith("-") else " " + w for i, w in enumerate(written)))
    return "".join(steps)


def mark_corners(shape: str) -> list[tuple[float, float]]:
    """The corners of a shape's outline around its centre, at the size of one participant (y down, as
    in SVG), so that the PDF draws the very marks the page does. Not for the circle."""
    x = y = 0.0
    corners = []
    for step, *numbers in _OUTLINES[shape]:
        if step in "ml":
            for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
                x, y = x + dx, y + dy
                corners.append((x, y))
        elif step == "h":
            x += numbers[0]
            corners.append((x, y))
        else:  # "v"
            y += numbers[0]
            corners.append((x, y))
    return corners


def _svg_marks(points: list[dict[str, Any]]) -> SafeString:
    # Only numbers go into the markup (floats and group numbers), so there is nothing to escape. Built
    # here rather than in the template: 1,500 marks through the template language take a hundred
    # milliseconds, here a few.
    marks = []
    for point in points:
        shape, scale, x, y, group = point["shape"], point["scale"], point["x"], point["y"], point["group"]
        if shape == "circle":
            marks.append(
                f'<circle cx="{x:g}" cy="{y:g}" r="{round(MARK_RADIUS * scale, 2):g}" '
                f'class="map-point map-point--{group}"></circle>'
            )
        else:
            marks.append(
                f'<path d="M{x:g} {y:g}{_outline(shape, scale)}z" class="map-point map-point--{group}"></path>'
            )
    return mark_safe("".join(marks))


def letter_box(
    cx: float, cy: float, *, clearance: float, height: float, half_width: float, size: float
) -> tuple[float, float, float]:
    """Where a group's letter goes on a square map of `size` (y counting down): its middle, top and
    bottom. Above the group's centre, `clearance` away, unless that leaves it short of the top edge;
    then below. Kept `half_width` from the sides. The page and the PDF place their letters by it."""
    x = min(max(cx, half_width), size - half_width)
    if cy - clearance - height >= 0:
        return x, cy - clearance - height, cy - clearance
    return x, cy + clearance, cy + clearance + height


def _label_place(cx: float, cy: float) -> tuple[float, float]:
    """The page's letter: the middle of its baseline (above its outline's lower edge)."""
    x, _top, bottom = letter_box(
        cx, cy, clearance=LABEL_CLEARANCE, height=LABEL_HEIGHT, half_width=LABEL_HALF_WIDTH, size=MAP_SIZE
    )
    return round(x, 1), round(bottom - LETTER_OUTLINE, 1)


def report_context(conversation: Conversation) -> dict[str, Any]:
    """What the report's templates (and the PDF) need, from the conversation's summary alone."""
    digest = report_digest(conversation)
    points = _points(digest)
    statements = selectors.statements_by_id(conversation, _statement_ids(digest))
    counts = selectors.conversation_counts(conversation)
    total = sum(group["size"] for group in digest["groups"]) or 1
    groups = []
    for group in digest["groups"]:
        number = int(group["id"])
        name = GROUP_NAMES[number % len(GROUP_NAMES)]
        shape = MAP_SHAPES[number % len(MAP_SHAPES)]
        repness = []
        for item in group["repness"]:
            text = _text(statements, item["statement_id"])
            if text is not None:
                percent = round(100 * item["p_success"])
                repness.append(
                    {
                        "text": text,
                        "direction": item["direction"],
                        "percent": percent,
                        "said": percent_said(item["direction"], percent),
                    }
                )
        groups.append(
            {
                "name": name,
                "title": group_title(name, group["size"]),
                "number": number,
                "size": group["size"],
                "share": group["size"] / total,
                "cx": group["centre"][0],
                "cy": group["centre"][1],
                "label": _label_place(group["centre"][0], group["centre"][1]),
                "shape": shape,
                "shape_name": SHAPE_NAMES[shape],
                "colour": GROUP_COLOURS[number % len(GROUP_COLOURS)],
                "repness": repness,
            }
        )
    consensus = [
        {"text": text, "direction": item["direction"], "percent": round(100 * item["probability"])}
        for item in digest["consensus"]
        if (text := _text(statements, item["statement_id"])) is not None
    ]
    divisive = [
        {"text": text} for item in digest["divisive"] if (text := _text(statements, item["statement_id"])) is not None
    ]
    by_day = [(dt.date.fromisoformat(day), n) for day, n in (conversation.summary or {}).get("votes_by_day", [])]
    # Every sentence is made here, once, for the page, the HTML file and the PDF alike.
    return {
        "conversation": conversation,
        "enough": digest["enough"],
        "counts": counts,
        "headline": headline(counts),
        "clustered_sentence": clustered_sentence(digest["clustered"], len(groups)),
        "map_size": MAP_SIZE,
        "points": points,
        "map_marks": _svg_marks(points),
        "groups": groups,
        "map_caption": map_caption(groups),
        "consensus": consensus,
        "divisive": divisive,
        "by_day": [(date_format(day, "j M"), n) for day, n in by_day],
        "by_day_max": max((n for _d, n in by_day), default=0),
    }


# --- the report's sentences, put into its context for the page, the HTML file and the PDF -----------
# Counts in them are grouped by thousands ("12,000 people"); the plural is chosen by the number itself.


def headline(counts: dict[str, int]) -> str:
    votes = ngettext("%(votes)s vote", "%(votes)s votes", counts["votes"]) % {"votes": intcomma(counts["votes"])}
    statements = ngettext("%(statements)s statement", "%(statements)s statements", counts["statements"]) % {
        "statements": intcomma(counts["statements"])
    }
    people = ngettext("%(people)s person", "%(people)s people", counts["participants"]) % {
        "people": intcomma(counts["participants"])
    }
    return _("%(votes)s cast on %(statements)s by %(people)s.") % {
        "votes": votes,
        "statements": statements,
        "people": people,
    }


def clustered_sentence(clustered: int, groups: int) -> str:
    in_groups = ngettext("%(n)s group", "%(n)s groups", groups) % {"n": groups}
    return ngettext("%(n)s person falls into %(groups)s.", "%(n)s people fall into %(groups)s.", clustered) % {
        "n": intcomma(clustered),
        "groups": in_groups,
    }


def map_caption(groups: list[dict[str, Any]]) -> str:
    marks = ", ".join(
        _("%(shape)s for group %(name)s") % {"shape": group["shape_name"], "name": group["name"]} for group in groups
    )
    return _(
        "Each mark is a participant: %(marks)s. A larger mark is several participants in the same place. "
        "Each group's letter stands just beside its centre."
    ) % {"marks": marks}


def group_title(name: str, size: int) -> str:
    return ngettext("Group %(name)s (%(size)s person)", "Group %(name)s (%(size)s people)", size) % {
        "name": name,
        "size": intcomma(size),
    }


def percent_said(direction: str, percent: int) -> str:
    if direction == "agree":
        return ngettext("%(p)s%% agreed:", "%(p)s%% agreed:", percent) % {"p": percent}
    return ngettext("%(p)s%% disagreed:", "%(p)s%% disagreed:", percent) % {"p": percent}


# --- the statements' CSV ---------------------------------------------------------------------------


def shown_statements_stamp(conversation: Conversation) -> str:
    """Changes whenever the statements shown change: added, moderated or taken out alter their count,
    newest id or latest moderation (one indexed query). The CSV and the PDF are cached under it, so a
    statement taken out leaves both at once, without waiting for the next map."""
    shown = selectors.shown_statements(conversation).aggregate(
        n=Count("pk"), newest=Max("pk"), moderated=Max("moderated_at")
    )
    return f"{shown['n']}:{shown['newest']}:{time_stamp(shown['moderated'])}"


def _csv_key(conversation: Conversation) -> str:
    """What the CSV depends on, found cheaply: every vote queues a new map (`analysis_queued_at`)
    and a finished map is stamped (`analysed_at`); and the statements shown. A vote cast while a map
    is already queued shows once that map is made, within the analysis's debounce."""
    return ":".join(
        [
            "conversations:statements-csv",
            str(conversation.pk),
            time_stamp(conversation.analysed_at),
            time_stamp(conversation.analysis_queued_at),
            shown_statements_stamp(conversation),
        ]
    )


def _statements_csv_body(conversation: Conversation) -> bytes:
    rows = (
        selectors.shown_statements(conversation)
        .annotate(
            agrees=Count("votes", filter=Q(votes__value=1)),
            disagrees=Count("votes", filter=Q(votes__value=-1)),
            passes=Count("votes", filter=Q(votes__value=0)),
        )
        .order_by("pk")
        .values_list("pk", "text", "agrees", "disagrees", "passes", "created_at")
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["statement-id", "statement", "agrees", "disagrees", "passes", "added"])
    for pk, text, agrees, disagrees, passes, created in rows.iterator():
        writer.writerow([pk, spreadsheet_safe(text), agrees, disagrees, passes, created.date().isoformat()])
    return ("\ufeff" + buffer.getvalue()).encode()


def statements_csv(conversation: Conversation) -> HttpResponse:
    """Every shown statement with its votes, for anyone to analyse. Counting every vote is the
    costly part, so the file is kept in the cache until a vote or a statement changes it."""
    body = cache.get_or_set(_csv_key(conversation), lambda: _statements_csv_body(conversation), CACHE_SECONDS)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{conversation.slug}-statements.csv"'
    return response
