"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests
(read and post) and tokens, in XML and JSON, chosen by the address's suffix.

Reading is open to everyone, as the spec has it, and shows what the site shows. Posting needs an
API key (an API token with the Open311 scope); a key also lets its client see its own
organisation's private services and the requests it sent itself."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from heard.api.enums import Scope
from heard.api.models import ApiToken
from heard.api.services import token_for_key, token_write_refusal
from heard.core.permissions import public
from heard.open311 import selectors, services
from heard.open311.definition import service_definition
from heard.open311.formats import FORMATS, Open311Error, render, render_error
from heard.open311.models import Open311Request
from heard.voice.enums import StoryStatus

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# At most this many ids in one service_request_id list.
MAX_IDS = 1000
_ID = re.compile(r"^[0-9]{1,18}$")


def _params(request: HttpRequest) -> QueryDict:
    return request.POST if request.method == "POST" else request.GET


def _value(request: HttpRequest, name: str) -> str:
    # An empty parameter behaves exactly like a missing one.
    return (_params(request).get(name) or "").strip()


def endpoint(methods: tuple[str, ...] = ("GET", "HEAD"), *, jurisdiction: bool = True) -> Callable:
    """Every Open311 view: the format from the suffix, the jurisdiction checked, and any problem
    answered in the spec's error format."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @public
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            fmt = fmt.lower()
            answer_in = fmt if fmt in FORMATS else "xml"
            try:
                if fmt not in FORMATS:
                    raise Open311Error(404, _("Use .xml or .json at the end of the address."))
                if request.method not in methods:
                    raise Open311Error(400, _("This address does not take %(method)s.") % {"method": request.method})
                if jurisdiction:
                    _check_jurisdiction(_value(request, "jurisdiction_id"))
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return render_error(error, answer_in)

        return wrapper

    return decorator


def _check_jurisdiction(given: str) -> None:
    if not given and settings.HEARD_OPEN311_REQUIRE_JURISDICTION:
        raise Open311Error(400, _("jurisdiction_id is required."))
    if given and given != selectors.jurisdiction():
        raise Open311Error(404, _("This endpoint does not serve that jurisdiction_id."))


def _token(request: HttpRequest) -> ApiToken | None:
    return token_for_key(_value(request, "api_key"), scope=Scope.OPEN311)


@endpoint(jurisdiction=False)
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    # Addresses as the client reached us (the host is one ALLOWED_HOSTS admits).
    base = request.build_absolute_uri(reverse("open311:root"))
    latest = selectors.services(token=None).order_by("-updated_at").values_list("updated_at", flat=True).first()
    stamp = (latest or timezone.now()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    docs = request.build_absolute_uri(reverse("api:docs"))
    return render(
        "discovery",
        {
            "changeset": stamp,
            "contact": _("Write to the team running %(site)s; see %(url)s")
            % {"site": settings.HEARD_SITE_NAME, "url": docs},
            "key_service": _(
                "An API key is an API token with the Open311 scope, made by an organisation's manager "
                "on its API tokens page; see %(url)s"
            )
            % {"url": docs},
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base.rstrip("/"),
                    "changeset": stamp,
                    "type": "test" if settings.HEARD_DEMO else "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        fmt,
    )


@endpoint()
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    token = _token(request)
    rows = [selectors.service_record(service, token=token) for service in selectors.services(token=token)]
    return render("services", rows, fmt)


@endpoint()
def service_detail(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    service = selectors.service_by_code(code, token=_token(request))
    if service is None:
        raise Open311Error(404, _("There is no service with this service_code."))
    return render("service_definition", service_definition(service.slug), fmt)


def _parse_moment(request: HttpRequest, name: str) -> dt.datetime | None:
    text = _value(request, name)
    if not text:
        return None
    try:
        moment = parse_datetime(text.replace(" ", "+"))  # a "+" in a query string arrives as a space
    except ValueError:  # a well-formed but impossible date, such as 30 February
        moment = None
    if moment is None:
        raise Open311Error(400, _("%(name)s must be a date and time such as 2026-11-01T00:00:00Z.") % {"name": name})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


def _date_range(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    """start_date and end_date, at most 90 days apart; by default the last 90 days."""
    start, end = _parse_moment(request, "start_date"), _parse_moment(request, "end_date")
    try:
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - selectors.MAX_RANGE  # type: ignore[operator]
        elif end is None:
            end = start + selectors.MAX_RANGE
    except OverflowError as error:
        raise Open311Error(400, _("start_date and end_date must be real dates.")) from error
    if start > end:
        raise Open311Error(400, _("start_date must be before end_date."))
    if end - start > selectors.MAX_RANGE:
        raise Open311Error(400, _("start_date and end_date can be at most 90 days apart."))
    return start, end


def _records(stories: Any, token: ApiToken | None) -> list[dict[str, Any]]:
    return [selectors.request_record(story, token=token) for story in stories]


@endpoint(methods=("GET", "HEAD", "POST"))
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    token = _token(request)
    stories = selectors.requests(token=token)
    ids = _value(request, "service_request_id")
    if ids:
        # A list of ids overrides every other argument.
        wanted = [part.strip() for part in ids.split(",") if part.strip()]
        if not all(_ID.match(part) for part in wanted):
            raise Open311Error(400, _("service_request_id must be a comma-separated list of ids."))
        if len(wanted) > MAX_IDS:
            raise Open311Error(400, _("Ask for at most %(count)d ids at once.") % {"count": MAX_IDS})
        return render("service_requests", _records(stories.filter(pk__in=[int(p) for p in wanted]), token), fmt)
    codes = [part.strip() for part in _value(request, "service_code").split(",") if part.strip()]
    if codes:
        stories = stories.filter(service__slug__in=codes)
    start, end = _date_range(request)
    stories = stories.filter(created_at__gte=start, created_at__lte=end)
    statuses = {part.strip() for part in _value(request, "status").split(",") if part.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed, or both separated by a comma."))
    closed = Q(closed=True) | Q(status=StoryStatus.REJECTED)
    if statuses == {"open"}:
        stories = stories.exclude(closed)
    elif statuses == {"closed"}:
        stories = stories.filter(closed)
    return render("service_requests", _records(stories[: selectors.MAX_REQUESTS], token), fmt)


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    token = _token(request)
    if token is None:
        raise Open311Error(403, _("api_key is missing or not valid."))
    code = _value(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required."))
    service = selectors.service_by_code(code, token=token)
    if service is None:
        raise Open311Error(404, _("There is no service with this service_code."))
    checked = services.request_check(request.POST)
    # Only requests that pass the checks count against the key's hourly limit.
    refusal = token_write_refusal(request, token)
    if refusal:
        raise Open311Error(400, refusal)
    created = services.request_create(service=service, token=token, checked=checked)
    if token.confirm_by_email:
        # A "batch" key: the answer is a token, which gives the id once the request is confirmed.
        row: dict[str, Any] = {"token": str(created.token)}
    else:
        row = {"service_request_id": str(created.story_id)}
    row.update(service_notice=selectors.service_notice(), account_id=created.private.get("account_id"))
    return render("service_requests", [row], fmt)


@endpoint()
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    token = _token(request)
    story = selectors.requests(token=token).filter(pk=int(request_id)).first() if _ID.match(request_id) else None
    if story is None:
        raise Open311Error(404, _("There is no service request with this id."))
    return render("service_requests", [selectors.request_record(story, token=token)], fmt)


@endpoint()
def token_detail(request: HttpRequest, fmt: str, token_id: str) -> HttpResponse:
    try:
        value: uuid.UUID | None = uuid.UUID(token_id)
    except ValueError:
        value = None
    found = Open311Request.objects.select_related("story").filter(token=value).first() if value else None
    if found is None:
        raise Open311Error(404, _("There is no such token."))
    row: dict[str, Any] = {"token": str(found.token)}
    if found.story.status != StoryStatus.UNCONFIRMED:
        row = {"service_request_id": str(found.story_id), **row}
    return render("service_requests", [row], fmt)
