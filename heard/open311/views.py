"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests
(read and post) and tokens, in XML and JSON, chosen by the address's suffix.

Reading is open to everyone, as the spec has it, and shows what the site shows. Posting needs an
API key (an API token with the Open311 scope); a key also lets its client see private services
and the requests it sent itself."""

from __future__ import annotations

import datetime as dt
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
from heard.api.services import token_for_key
from heard.core.permissions import public
from heard.core.ratelimit import rate_limit_exceeded
from heard.open311 import selectors, services
from heard.open311.definition import service_definition
from heard.open311.formats import FORMATS, Open311Error, render, render_error
from heard.open311.models import Open311Request
from heard.voice.enums import StoryStatus

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# At most this many ids in one service_request_id list.
MAX_IDS = 1000


def _params(request: HttpRequest) -> QueryDict:
    return request.POST if request.method == "POST" else request.GET


def _value(request: HttpRequest, name: str) -> str:
    return (_params(request).get(name) or "").strip()


def endpoint(methods: tuple[str, ...] = ("GET",)) -> Callable:
    """Every Open311 view: the format from the suffix, the jurisdiction checked, and any problem
    answered in the spec's error format."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @public
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            answer_in = fmt if fmt in FORMATS else "xml"
            try:
                if fmt not in FORMATS:
                    raise Open311Error(404, _("Use .xml or .json at the end of the address."))
                if request.method not in methods:
                    raise Open311Error(400, _("This address does not take %(method)s.") % {"method": request.method})
                jurisdiction_id = _value(request, "jurisdiction_id")
                if not jurisdiction_id and settings.HEARD_OPEN311_REQUIRE_JURISDICTION:
                    raise Open311Error(400, _("jurisdiction_id is required."))
                if jurisdiction_id and jurisdiction_id != selectors.jurisdiction():
                    raise Open311Error(404, _("No jurisdiction %(id)s here.") % {"id": jurisdiction_id})
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return render_error(error, answer_in)

        return wrapper

    return decorator


def _token(request: HttpRequest) -> ApiToken | None:
    return token_for_key(_value(request, "api_key"), scope=Scope.OPEN311)


@endpoint()
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = settings.HEARD_SITE_URL + reverse("open311:root")
    changeset = selectors.services(with_private=False).order_by("-updated_at").values_list("updated_at", flat=True)
    latest = changeset.first()
    stamp = (latest or timezone.now()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return render(
        "discovery",
        {
            "changeset": stamp,
            "contact": _("Write to the team running %(site)s; see %(url)s")
            % {"site": settings.HEARD_SITE_NAME, "url": settings.HEARD_SITE_URL + reverse("api:docs")},
            "key_service": _(
                "An API key is an API token with the Open311 scope, made by an organisation's manager "
                "on its API tokens page; see %(url)s"
            )
            % {"url": settings.HEARD_SITE_URL + reverse("api:docs")},
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
    rows = [selectors.service_record(service) for service in selectors.services(with_private=token is not None)]
    return render("services", rows, fmt)


@endpoint()
def service_detail(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    service = selectors.service_by_code(code, with_private=_token(request) is not None)
    if service is None:
        raise Open311Error(404, _("No service with the code %(code)s.") % {"code": code})
    return render("service_definition", service_definition(service.slug), fmt)


def _parse_moment(request: HttpRequest, name: str) -> dt.datetime | None:
    text = _value(request, name)
    if not text:
        return None
    moment = parse_datetime(text.replace(" ", "+"))  # a "+" in a query string arrives as a space
    if moment is None:
        raise Open311Error(400, _("%(name)s must be a date and time such as 2026-11-01T00:00:00Z.") % {"name": name})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


@endpoint(methods=("GET", "POST"))
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    token = _token(request)
    stories = selectors.requests(with_private=token is not None, token=token)
    ids = _value(request, "service_request_id")
    if ids:
        # A list of ids overrides every other argument.
        wanted = [part.strip() for part in ids.split(",") if part.strip()]
        if not all(part.isdigit() for part in wanted):
            raise Open311Error(400, _("service_request_id must be a comma-separated list of ids."))
        rows = stories.filter(pk__in=[int(part) for part in wanted[:MAX_IDS]])
        return render("service_requests", [selectors.request_record(s, token=token) for s in rows], fmt)
    codes = [part.strip() for part in _value(request, "service_code").split(",") if part.strip()]
    if codes:
        stories = stories.filter(service__slug__in=codes)
    start, end = _parse_moment(request, "start_date"), _parse_moment(request, "end_date")
    if start and end and start > end:
        raise Open311Error(400, _("start_date must be before end_date."))
    if start and end and end - start > selectors.MAX_RANGE:
        raise Open311Error(400, _("start_date and end_date can be at most 90 days apart."))
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - selectors.MAX_RANGE  # type: ignore[operator]
    elif end is None:
        end = start + selectors.MAX_RANGE
    stories = stories.filter(created_at__gte=start, created_at__lte=end)
    statuses = {part.strip() for part in _value(request, "status").split(",") if part.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed, or both separated by a comma."))
    if statuses == {"open"}:
        stories = stories.filter(closed=False).exclude(status=StoryStatus.REJECTED)
    elif statuses == {"closed"}:
        stories = stories.filter(Q(closed=True) | Q(status=StoryStatus.REJECTED))
    rows = stories[: selectors.MAX_REQUESTS]
    return render("service_requests", [selectors.request_record(s, token=token) for s in rows], fmt)


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    token = _token(request)
    if token is None:
        raise Open311Error(403, _("api_key is missing or not valid."))
    limit = settings.HEARD_API_WRITES_PER_HOUR
    if rate_limit_exceeded(request, action="api_write", limit=limit, period_seconds=3600, who=f"token:{token.pk}"):
        raise Open311Error(
            400, _("This key has sent %(limit)d requests in the last hour. Try again later.") % {"limit": limit}
        )
    code = _value(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required."))
    service = selectors.service_by_code(code, with_private=True)
    if service is None:
        raise Open311Error(404, _("No service with the code %(code)s.") % {"code": code})
    created = services.request_create(service=service, token=token, data=request.POST)
    if created.story.status == StoryStatus.UNCONFIRMED:
        row = {"token": str(created.token), "service_notice": selectors.service_notice(), "account_id": None}
    else:
        row = {
            "service_request_id": str(created.story_id),
            "service_notice": selectors.service_notice(),
            "account_id": created.private.get("account_id"),
        }
    return render("service_requests", [row], fmt)


@endpoint()
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    token = _token(request)
    story = (
        selectors.requests(with_private=token is not None, token=token, one=True).filter(pk=int(request_id)).first()
        if request_id.isdigit()
        else None
    )
    if story is None:
        raise Open311Error(404, _("No service request %(id)s.") % {"id": request_id})
    return render("service_requests", [selectors.request_record(story, token=token)], fmt)


@endpoint()
def token_detail(request: HttpRequest, fmt: str, token_id: str) -> HttpResponse:
    try:
        value = uuid.UUID(token_id)
    except ValueError:
        value = None
    found = Open311Request.objects.select_related("story").filter(token=value).first() if value is not None else None
    if found is None:
        raise Open311Error(404, _("No token %(token)s.") % {"token": token_id})
    row: dict[str, Any] = {"token": str(found.token)}
    if found.story.status != StoryStatus.UNCONFIRMED:
        row = {"service_request_id": str(found.story_id), **row}
    return render("service_requests", [row], fmt)
