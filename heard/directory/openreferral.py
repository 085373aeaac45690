"""Open Referral UK (HSDS 3) JSON for services: what Heard sends, and how it reads what it gets.

Only the fields that fit Heard's directory travel: the service (id, name, description, url,
email, status, eligibility, ages, fees), its organisation, its phones, its address (as a location),
its service areas and its category (as a taxonomy term in Heard's own vocabulary).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from heard.directory.enums import CATEGORY_VOCABULARY, ServiceCategory, ServiceStatus
from heard.directory.models import Service


def service_to_oruk(service: Service) -> dict[str, Any]:
    organisation = service.organisation
    data: dict[str, Any] = {
        "id": str(service.uid),
        "organization_id": f"heard-organisation-{organisation.pk}",
        "name": service.name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": service.status,
        "eligibility_description": service.eligibility,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "fees_description": service.fees,
        "last_modified": service.updated_at.isoformat(),
        "organization": {
            "id": f"heard-organisation-{organisation.pk}",
            "name": organisation.name,
            "description": organisation.description,
            "url": organisation.website,
            "email": organisation.public_email,
        },
        "phones": [{"id": f"{service.uid}-phone", "number": service.phone}] if service.phone else [],
        "service_areas": [
            {"id": f"heard-area-{area.pk}", "name": area.name, "extent": area.code, "extent_type": area.kind}
            for area in service.areas.all()
        ],
        "service_at_locations": [],
        "attributes": [
            {
                "id": f"{service.uid}-category",
                "taxonomy_term": {
                    "id": f"{CATEGORY_VOCABULARY}:{service.category}",
                    "code": service.category,
                    "name": str(ServiceCategory(service.category).label),
                    "vocabulary": CATEGORY_VOCABULARY,
                },
            }
        ],
    }
    if service.address:
        data["service_at_locations"].append(
            {
                "id": f"{service.uid}-location",
                "location": {
                    "id": f"{service.uid}-place",
                    "name": service.name,
                    "address": [{"id": f"{service.uid}-address", "address_1": service.address}],
                },
                "schedules": [{"description": service.opening_hours}] if service.opening_hours else [],
            }
        )
    return data


def page_of_services(services: list[Service], *, total: int, page: int, per_page: int) -> dict[str, Any]:
    """The paged wrapper of the Open Referral UK API."""
    return {
        "total_items": total,
        "total_pages": max(1, -(-total // per_page)),
        "page_number": page,
        "size": len(services),
        "first_page": page == 1,
        "last_page": page * per_page >= total,
        "empty": not services,
        "contents": [service_to_oruk(service) for service in services],
    }


@dataclass
class ImportedService:
    uid: uuid.UUID
    name: str
    organisation_name: str
    organisation_description: str = ""
    organisation_url: str = ""
    description: str = ""
    url: str = ""
    email: str = ""
    status: str = ServiceStatus.ACTIVE
    eligibility: str = ""
    minimum_age: int | None = None
    maximum_age: int | None = None
    fees: str = ""
    phone: str = ""
    address: str = ""
    opening_hours: str = ""
    category: str = ServiceCategory.OTHER
    area_names: list[str] = field(default_factory=list)


def _text(value: Any, limit: int) -> str:
    return str(value).strip()[:limit] if value not in (None, "") else ""


def _age(value: Any, where: str, errors: list[str]) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        errors.append(_("%(where)s: an age must be a whole number.") % {"where": where})
        return None
    try:
        age = int(value)
    except (TypeError, ValueError):
        errors.append(_("%(where)s: an age must be a whole number.") % {"where": where})
        return None
    if not 0 <= age <= 130:
        errors.append(_("%(where)s: an age must be between 0 and 130.") % {"where": where})
        return None
    return age


def _list(value: Any) -> list[Any]:
    """A field that should hold a list: anything else counts as empty, never as a crash."""
    return value if isinstance(value, list) else []


def parse_services(payload: Any) -> tuple[list[ImportedService], list[str]]:
    """Read services from Open Referral UK JSON: a list of services, one service, or an API page
    (`{"contents": [...]}`). Returns the services and, separately, every problem found, each
    saying which service it is in, so a file is imported whole or not at all."""
    if isinstance(payload, dict) and isinstance(payload.get("contents"), list):
        items = payload["contents"]
    elif isinstance(payload, dict):
        items = [payload]
    elif isinstance(payload, list):
        items = payload
    else:
        return [], [_("The file must hold an Open Referral service, a list of them, or a page of them.")]
    services: list[ImportedService] = []
    errors: list[str] = []
    seen: set[uuid.UUID] = set()
    for index, item in enumerate(items, start=1):
        where = _("Service %(number)s") % {"number": index}
        if not isinstance(item, dict):
            errors.append(_("%(where)s is not an object.") % {"where": where})
            continue
        name = _text(item.get("name"), 200)
        if name:
            where = f"{where} ({name})"
        else:
            errors.append(_("%(where)s has no name.") % {"where": where})
        try:
            uid = uuid.UUID(str(item.get("id")))
        except ValueError:
            errors.append(_("%(where)s: its id must be a UUID.") % {"where": where})
            continue
        if uid in seen:
            errors.append(_("%(where)s: its id appears twice in the file.") % {"where": where})
        seen.add(uid)
        organisation = item.get("organization") if isinstance(item.get("organization"), dict) else {}
        organisation_name = _text(organisation.get("name"), 200)
        organisation_url = _text(organisation.get("url"), 200)
        if organisation_url:
            try:
                URLValidator(schemes=["http", "https"])(organisation_url)
            except ValidationError:
                errors.append(_("%(where)s: its organization's url is not valid.") % {"where": where})
        if not organisation_name:
            errors.append(_("%(where)s has no organization with a name.") % {"where": where})
        status = _text(item.get("status"), 20) or ServiceStatus.ACTIVE
        if status not in ServiceStatus.values:
            errors.append(
                _("%(where)s: status must be one of %(values)s.")
                % {"where": where, "values": ", ".join(ServiceStatus.values)}
            )
        minimum_age = _age(item.get("minimum_age"), where, errors)
        maximum_age = _age(item.get("maximum_age"), where, errors)
        if minimum_age is not None and maximum_age is not None and minimum_age > maximum_age:
            errors.append(_("%(where)s: the minimum age is above the maximum age.") % {"where": where})
        url, email = _text(item.get("url"), 200), _text(item.get("email"), 254)
        try:
            if url:
                URLValidator(schemes=["http", "https"])(url)
            if email:
                validate_email(email)
        except ValidationError:
            errors.append(_("%(where)s: its url or email is not valid.") % {"where": where})
        category = ServiceCategory.OTHER
        for attribute in _list(item.get("attributes")):
            term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
            if (
                isinstance(term, dict)
                and term.get("code") in ServiceCategory.values
                and term.get("vocabulary") in (None, "", CATEGORY_VOCABULARY)
            ):
                category = term["code"]
                break
        phones = [p for p in _list(item.get("phones")) if isinstance(p, dict) and p.get("number")]
        address, opening_hours = "", ""
        for link in _list(item.get("service_at_locations")):
            location = link.get("location") if isinstance(link, dict) else None
            if isinstance(location, dict):
                lines = []
                for part in _list(location.get("address")):
                    if isinstance(part, dict):
                        keys = ("address_1", "address_2", "city", "postal_code")
                        lines += [str(part[key]) for key in keys if part.get(key)]
                address = address or ", ".join(lines)
            for schedule in _list(link.get("schedules") if isinstance(link, dict) else None):
                if isinstance(schedule, dict) and schedule.get("description"):
                    opening_hours = opening_hours or _text(schedule["description"], 300)
        services.append(
            ImportedService(
                uid=uid,
                name=name,
                organisation_name=organisation_name,
                organisation_description=_text(organisation.get("description"), 5000),
                organisation_url=organisation_url,
                description=_text(item.get("description"), 10_000),
                url=url,
                email=email,
                status=status,
                eligibility=_text(item.get("eligibility_description"), 5000),
                minimum_age=minimum_age,
                maximum_age=maximum_age,
                fees=_text(item.get("fees_description"), 300),
                phone=_text(phones[0]["number"], 40) if phones else "",
                address=address,
                opening_hours=opening_hours,
                category=category,
                area_names=[
                    _text(area.get("name"), 120)
                    for area in _list(item.get("service_areas"))
                    if isinstance(area, dict) and area.get("name")
                ],
            )
        )
    return services, errors
