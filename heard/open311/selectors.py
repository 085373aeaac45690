"""Reads for Open311: services as request types, and stories as service requests."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from heard.api.models import ApiToken
from heard.directory.enums import ServiceCategory
from heard.directory.models import Service
from heard.voice.enums import ModerationReason, ResponseStatus, StoryStatus
from heard.voice.models import Response, Story

MAX_REQUESTS = 1000
MAX_RANGE = dt.timedelta(days=90)


def jurisdiction() -> str:
    """This endpoint's jurisdiction: the setting, or the site's domain without "www."."""
    configured = settings.HEARD_OPEN311_JURISDICTION
    if configured:
        return configured
    host = urlsplit(settings.HEARD_SITE_URL).hostname or "localhost"
    return host.removeprefix("www.")


def _visible_services(token: ApiToken | None) -> Q:
    """Public services, and with a key the private services of the key's own organisation."""
    visible = Q(is_private=False)
    if token is not None:
        visible |= Q(organisation_id=token.organisation_id)
    return visible


def services(*, token: ApiToken | None) -> QuerySet[Service]:
    return (
        Service.objects.listed().filter(_visible_services(token)).select_related("organisation").order_by("name", "pk")
    )


def service_by_code(code: str, *, token: ApiToken | None) -> Service | None:
    return services(token=token).filter(slug=code).first() if code else None


def service_record(service: Service, *, token: ApiToken | None = None) -> dict[str, Any]:
    """A service as an Open311 request type. For a key whose requests wait for their authors to
    confirm them, every service is "batch": posting answers a token, not yet an id."""
    category = str(ServiceCategory(service.category).label)
    return {
        "service_code": service.slug,
        "service_name": service.name,
        "description": service.description,
        "metadata": True,
        "type": "batch" if token is not None and token.confirm_by_email else "realtime",
        "keywords": f"{service.organisation.name}, {category}",
        "group": category,
    }


def service_notice() -> str:
    return _("Thank you. Your story is checked before it is published, and the provider can answer it in public.")


def requests(*, token: ApiToken | None = None) -> QuerySet[Story]:
    """Stories as service requests: the published ones, and those the asking client sent itself
    (before they are published too), about services the client may see."""
    service_ids = Service.objects.listed().filter(_visible_services(token)).values("pk")
    visible = Q(status=StoryStatus.PUBLISHED)
    if token is not None:
        visible |= Q(open311_request__api_token=token) & ~Q(status=StoryStatus.UNCONFIRMED)
    stories = Story.objects.filter(visible, service__in=service_ids)
    return (
        stories.annotate(
            closed=Exists(Response.objects.filter(story=OuterRef("pk"), status=ResponseStatus.CHANGE_MADE))
        )
        .select_related("service__organisation", "open311_request")
        .prefetch_related(Prefetch("responses", queryset=Response.objects.order_by("created_at", "pk")))
        .order_by("-created_at", "-pk")
    )


def request_record(story: Story, *, token: ApiToken | None) -> dict[str, Any]:
    """One story in the spec's request fields. Place and contact details go only to the client
    that sent them; the text of a story not (yet) published, likewise."""
    extra = getattr(story, "open311_request", None)
    own = extra is not None and token is not None and extra.api_token_id == token.pk
    private = (extra.private or {}) if own and extra is not None else {}
    responses = list(story.responses.all())
    latest = responses[-1] if responses else None
    closed = bool(getattr(story, "closed", False)) or story.status == StoryStatus.REJECTED
    if story.status == StoryStatus.PUBLISHED:
        notes = (
            f"{ResponseStatus(latest.status).label}: {latest.text}"
            if latest
            else _("Published. Waiting for the provider's answer.")
        )
    elif story.status == StoryStatus.REJECTED:
        reason = ModerationReason(story.moderation_reason).label if story.moderation_reason else ""
        notes = _("Not published: %(reason)s") % {"reason": reason} if reason else _("Not published.")
    else:
        notes = _("Waiting to be checked before it is published.")
    updated = max(
        [moment for moment in (story.created_at, story.moderated_at, latest.created_at if latest else None) if moment]
    )
    shown_text = story.public_text if story.status == StoryStatus.PUBLISHED else (story.text if own else "")
    return {
        "service_request_id": str(story.pk),
        "status": "closed" if closed else "open",
        "status_notes": notes[:4000],
        "service_name": story.service.name,
        "service_code": story.service.slug,
        "description": shown_text,
        "agency_responsible": story.service.organisation.name,
        "service_notice": service_notice(),
        "requested_datetime": story.created_at,
        "updated_datetime": updated,
        "expected_datetime": None,
        "address": private.get("address_string", ""),
        "address_id": private.get("address_id", ""),
        "zipcode": extra.district if extra is not None else "",
        "lat": private.get("lat"),
        "long": private.get("long"),
        "media_url": private.get("media_url", ""),
    }
