"""Open311's two formats. XML is the reference; JSON follows the spec's conversion convention, in
which a container of repeated elements becomes an array even when it holds one."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

from heard.core.text import without_control_characters

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

# The element each container's items are called, in the spec's XML.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def w3c_datetime(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the zone always given: 2026-11-27T10:15:00Z."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3c_datetime(value) or ""
    # XML 1.0 cannot carry most control characters, whatever a story's text holds.
    return without_control_characters(str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list):
        item_name = ITEM_NAMES[name]
        for item in value:
            _append(element, item_name, item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    holder = ET.Element("holder")
    _append(holder, root, value)
    body = ET.tostring(holder[0], encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.datetime):
        return w3c_datetime(value)
    return value


def render(root: str, value: Any, fmt: str, *, status: int = 200) -> HttpResponse:
    """`value` is a list for a container root (services, service_requests, errors) and a dict
    otherwise (discovery, service_definition)."""
    body = json.dumps(_jsonable(value), ensure_ascii=False).encode("utf-8") if fmt == "json" else to_xml(root, value)
    return HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["xml"]))


class Open311Error(Exception):
    """One or more problems with a request, answered in the spec's error format."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def render_error(error: Open311Error, fmt: str) -> HttpResponse:
    return render(
        "errors",
        [{"code": error.status, "description": description} for description in error.descriptions],
        fmt,
        status=error.status,
    )
