"""What the report page shows: the opinion map as an accessible SVG with its table, the groups and
what sets them apart, consensus and divisive statements, and participation over time. Built from
the stored analysis; the page never reruns it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils.formats import date_format

from heard.conversations import selectors
from heard.conversations.enums import StatementStatus
from heard.conversations.models import Conversation, Statement
from heard.core.text import spreadsheet_safe

MAP_SIZE = 400  # the SVG's width and height
MAP_POINTS = 1500  # at most this many participants are drawn; every one counts in the groups
GROUP_NAMES = "ABCDEFGHIJ"


def _scale(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    xs = [x for x, _y in points] or [0.0]
    ys = [y for _x, y in points] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    return min(xs), min(ys), span


def _text(statements: dict[int, Statement], statement_id: Any) -> str:
    found = statements.get(int(statement_id)) if str(statement_id).isdigit() else None
    return found.text if found else str(statement_id)


def report_context(conversation: Conversation) -> dict[str, Any]:
    analysis = conversation.analysis or {}
    groups = analysis.get("groups", [])
    ids = {
        int(item["statement_id"])
        for group in groups
        for item in group.get("repness", [])[:5]
        if str(item["statement_id"]).isdigit()
    }
    ids |= {int(i["statement_id"]) for i in analysis.get("consensus", [])[:10] if str(i["statement_id"]).isdigit()}
    ids |= {int(i["statement_id"]) for i in analysis.get("divisive", [])[:10] if str(i["statement_id"]).isdigit()}
    statements = selectors.statements_by_id(conversation, sorted(ids))

    located = list(zip(analysis.get("participants_clustered", []), analysis.get("coordinates", []), strict=False))
    group_of: dict[str, int] = {}
    for number, group in enumerate(groups):
        for member in group.get("members", []):
            group_of[str(member)] = number
    drawn = located[:: max(1, len(located) // MAP_POINTS)][:MAP_POINTS]
    min_x, min_y, span = _scale([(xy[0], xy[1]) for _participant, xy in drawn])
    margin = 20

    def place(x: float, y: float) -> tuple[float, float]:
        inner = MAP_SIZE - 2 * margin
        return round(margin + (x - min_x) / span * inner, 1), round(margin + (y - min_y) / span * inner, 1)

    points = []
    for participant, (x, y) in drawn:
        px, py = place(x, y)
        points.append({"x": px, "y": py, "group": group_of.get(str(participant), -1)})

    shown_groups = []
    total = sum(len(group.get("members", [])) for group in groups) or 1
    for number, group in enumerate(groups):
        centroid = group.get("centroid") or [0, 0]
        cx, cy = place(centroid[0], centroid[1]) if drawn else (0, 0)
        shown_groups.append(
            {
                "name": GROUP_NAMES[number % len(GROUP_NAMES)],
                "number": number,
                "size": len(group.get("members", [])),
                "share": len(group.get("members", [])) / total,
                "cx": cx,
                "cy": cy,
                "repness": [
                    {
                        "text": _text(statements, item["statement_id"]),
                        "direction": item["direction"],
                        "percent": round(100 * float(item.get("p_success", 0))),
                    }
                    for item in group.get("repness", [])[:5]
                ],
            }
        )
    consensus = [
        {
            "text": _text(statements, item["statement_id"]),
            "direction": item["direction"],
            "percent": round(100 * float(item.get("probability", 0))),
        }
        for item in analysis.get("consensus", [])[:10]
    ]
    divisive = [{"text": _text(statements, item["statement_id"])} for item in analysis.get("divisive", [])[:10]]
    by_day = [(dt.date.fromisoformat(day), n) for day, n in conversation.summary.get("votes_by_day", [])]
    return {
        "conversation": conversation,
        "analysis": analysis,
        "enough": bool(analysis.get("enough_votes")) and bool(groups),
        "counts": selectors.conversation_counts(conversation),
        "map_size": MAP_SIZE,
        "points": points,
        "groups": shown_groups,
        "consensus": consensus,
        "divisive": divisive,
        "by_day": [(date_format(day, "j M"), n) for day, n in by_day],
        "by_day_max": max((n for _d, n in by_day), default=0),
        "clustered": len(analysis.get("participants_clustered", [])),
    }


def statements_csv(conversation: Conversation) -> HttpResponse:
    """Every shown statement with its votes, for anyone to analyse."""
    rows = (
        Statement.objects.filter(conversation=conversation, status=StatementStatus.ACCEPTED)
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
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{conversation.slug}-statements.csv"'
    return response
