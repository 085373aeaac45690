"""Posting a service request: an Open311 client tells a story on a resident's behalf."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.http import QueryDict
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from heard.api.models import ApiToken
from heard.core import postcodes
from heard.core.text import without_control_characters
from heard.directory.models import Service
from heard.open311.definition import check_attributes, posted_attributes
from heard.open311.formats import Open311Error
from heard.open311.models import Open311Request
from heard.voice import services as voice_services

MAX_DESCRIPTION = 4000
CONTACT_FIELDS = ("first_name", "last_name", "phone", "device_id", "account_id")
_POSTCODE_WORDS = 3  # a UK postcode is at most two words; look at the last few of the address


@dataclass
class CheckedRequest:
    """A posted request that passed every check, ready to store."""

    description: str
    email: str
    answers: dict[str, Any]
    district: str
    private: dict[str, Any] = field(default_factory=dict)


def _value(data: QueryDict, name: str) -> str:
    # An empty parameter behaves exactly like a missing one.
    return without_control_characters(data.get(name) or "").strip()


def _coordinate(text: str, low: float, high: float) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if low <= number <= high else None  # also refuses nan and inf


def _district(address: str) -> str:
    words = address.replace(",", " ").split()
    for size in (2, 1):
        for start in range(max(0, len(words) - _POSTCODE_WORDS - 1), len(words) - size + 1):
            candidate = " ".join(words[start : start + size])
            if postcodes.is_valid(candidate):
                return postcodes.district(candidate)
    return ""


def request_check(data: QueryDict) -> CheckedRequest:
    """Check everything a client posted and answer every problem at once."""
    problems: list[str] = []
    lat, long = _value(data, "lat"), _value(data, "long")
    address, address_id = _value(data, "address_string"), _value(data, "address_id")
    place: dict[str, Any] = {}
    if lat or long:
        latitude, longitude = _coordinate(lat, -90, 90), _coordinate(long, -180, 180)
        if latitude is None or longitude is None:
            problems.append(_("lat and long must both be given, as WGS84 decimal degrees."))
        else:
            place.update(lat=latitude, long=longitude)
    if address:
        place["address_string"] = address[:500]
    if address_id:
        place["address_id"] = address_id[:100]
    if not place and not problems:
        problems.append(_("A location is required: lat and long, address_string or address_id."))

    description = _value(data, "description")
    if not description:
        problems.append(_("description is required: what happened, in the resident's words."))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(
            _("description can be up to %(limit)d characters (it has %(count)d).")
            % {"limit": MAX_DESCRIPTION, "count": len(description)}
        )

    email = _value(data, "email").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("email is not a valid email address."))
    media_url = _value(data, "media_url")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            problems.append(_("media_url must be a web address starting with http or https."))

    answers, attribute_problems = check_attributes(
        {code: [without_control_characters(v) for v in values] for code, values in posted_attributes(data).items()}
    )
    problems.extend(attribute_problems)
    if problems:
        raise Open311Error(400, *problems)
    contact = {name: _value(data, name)[:200] for name in CONTACT_FIELDS if _value(data, name)}
    return CheckedRequest(
        description=description,
        email=email,
        answers=answers,
        district=_district(address),
        private={
            **place,
            **contact,
            **({"email": email} if email else {}),
            **({"media_url": media_url} if media_url else {}),
            "attributes": answers,
        },
    )


@transaction.atomic
def request_create(*, service: Service, token: ApiToken, checked: CheckedRequest) -> Open311Request:
    """Store a checked request as a story waiting to be checked, with what came with it.

    The resident's name and contact details stay with the request, encrypted, for the client
    that sent them; the story is shown as by "Resident". With a key that asks for it, a story
    that gives an email address waits until its author confirms it."""
    answers = checked.answers
    rating = {
        name: int(answers[name]) if name in answers else None
        for name in ("rating_access", "rating_respect", "rating_outcome")
    }
    try:
        story = voice_services.story_submit(
            service=service,
            by=None,
            title=answers.get("title") or Truncator(checked.description.splitlines()[0]).chars(120),
            text=checked.description,
            rating_overall=int(answers["rating_overall"]),
            listened=answers["listened"],
            author_email=checked.email,
            site_url=settings.HEARD_SITE_URL,
            confirm_email=token.confirm_by_email and bool(checked.email),
            via_token=token.pk,
            **rating,
        )
    except ValidationError as error:
        raise Open311Error(400, *error.messages) from error
    return Open311Request.objects.create(
        story=story, api_token=token, district=checked.district, private=checked.private
    )
