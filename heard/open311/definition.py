"""The questions an Open311 client asks before posting a story: each Heard service's service
definition, and the checking of the answers (`attribute[code]=value`, `attribute[code][]=value`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heard.voice.enums import Listened

RATING_VALUES = [
    ("1", gettext_lazy("1 – Very poor")),
    ("2", gettext_lazy("2 – Poor")),
    ("3", gettext_lazy("3 – Neither good nor poor")),
    ("4", gettext_lazy("4 – Good")),
    ("5", gettext_lazy("5 – Very good")),
]

TOPICS = [
    ("waiting", gettext_lazy("Waiting or getting through")),
    ("staff", gettext_lazy("How staff treated me")),
    ("information", gettext_lazy("Information and letters")),
    ("access", gettext_lazy("Getting there, or access needs")),
    ("outcome", gettext_lazy("What came of it")),
]


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: Any
    required: bool = False
    variable: bool = True
    datatype_description: Any = ""
    values: list[tuple[str, Any]] = field(default_factory=list)
    max_length: int | None = None


ATTRIBUTES = [
    Attribute(
        "rating_overall", "singlevaluelist", gettext_lazy("Overall, how was the service?"), True, values=RATING_VALUES
    ),
    Attribute(
        "listened", "singlevaluelist", gettext_lazy("Did you feel listened to?"), True, values=list(Listened.choices)
    ),
    Attribute(
        "title",
        "string",
        gettext_lazy("Sum it up in a few words"),
        max_length=120,
        datatype_description=gettext_lazy("Up to 120 characters. If left out, the start of the description."),
    ),
    Attribute("rating_access", "singlevaluelist", gettext_lazy("How easy was it to get help?"), values=RATING_VALUES),
    Attribute("rating_respect", "singlevaluelist", gettext_lazy("How were you treated?"), values=RATING_VALUES),
    Attribute("rating_outcome", "singlevaluelist", gettext_lazy("What came of it?"), values=RATING_VALUES),
    Attribute(
        "topics",
        "multivaluelist",
        gettext_lazy("What was it about?"),
        values=TOPICS,
        datatype_description=gettext_lazy("Choose any that apply."),
    ),
    Attribute(
        "used_on",
        "datetime",
        gettext_lazy("When did you use the service?"),
        datatype_description=gettext_lazy("A date, such as 2026-11-02."),
    ),
]


def service_definition(service_code: str) -> dict[str, Any]:
    return {
        "service_code": service_code,
        "attributes": [
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": str(attribute.datatype_description),
                "order": order,
                "description": str(attribute.description),
                "values": [{"key": key, "name": str(name)} for key, name in attribute.values],
            }
            for order, attribute in enumerate(ATTRIBUTES, start=1)
        ],
    }


_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def posted_attributes(data: QueryDict) -> dict[str, list[str]]:
    """`attribute[code]=v` and `attribute[code][]=v1&attribute[code][]=v2`, as code -> values.
    Empty values count as not given."""
    answers: dict[str, list[str]] = {}
    for key in data:
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            values = [value.strip() for value in data.getlist(key) if value.strip()]
            if values:
                answers.setdefault(match.group(1), []).extend(values)
    return answers


def check_attributes(answers: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    """The answers in their types, and a problem in words for each wrong or missing one."""
    problems: list[str] = []
    clean: dict[str, Any] = {}
    # Answers to questions the service does not ask (some clients add their own, such as a
    # report's address on their site) are left out, not refused.
    for attribute in ATTRIBUTES:
        values = answers.get(attribute.code, [])
        if not values:
            if attribute.required:
                problems.append(
                    _("attribute[%(code)s] is required: %(question)s")
                    % {"code": attribute.code, "question": attribute.description}
                )
            continue
        if attribute.datatype != "multivaluelist" and len(values) > 1:
            problems.append(_("attribute[%(code)s] takes one value.") % {"code": attribute.code})
            continue
        keys = {key for key, _name in attribute.values}
        if attribute.datatype in ("singlevaluelist", "multivaluelist"):
            wrong = [value for value in values if value not in keys]
            if wrong:
                problems.append(
                    _("attribute[%(code)s] must be one of %(keys)s.")
                    % {"code": attribute.code, "keys": ", ".join(key for key, _name in attribute.values)}
                )
                continue
            clean[attribute.code] = values if attribute.datatype == "multivaluelist" else values[0]
        elif attribute.datatype == "datetime":
            try:
                clean[attribute.code] = dt.datetime.fromisoformat(values[0].replace("Z", "+00:00")).isoformat()
            except ValueError:
                problems.append(_("attribute[%(code)s] must be a date, such as 2026-11-02.") % {"code": attribute.code})
        elif attribute.datatype == "number":
            try:
                clean[attribute.code] = float(values[0])
            except ValueError:
                problems.append(_("attribute[%(code)s] must be a number.") % {"code": attribute.code})
        else:
            if attribute.max_length and len(values[0]) > attribute.max_length:
                problems.append(
                    _("attribute[%(code)s] can be up to %(limit)d characters.")
                    % {"code": attribute.code, "limit": attribute.max_length}
                )
                continue
            clean[attribute.code] = values[0]
    return clean, problems
