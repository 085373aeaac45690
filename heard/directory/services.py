"""Writes to the service directory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from heard.core.services import log_action
from heard.core.slugs import unique_slug
from heard.directory.models import Service
from heard.directory.openreferral import ImportedService
from heard.organisations import services as organisation_services
from heard.organisations.models import Area, Organisation

SERVICE_FIELDS = (
    "name",
    "description",
    "category",
    "status",
    "eligibility",
    "minimum_age",
    "maximum_age",
    "fees",
    "url",
    "email",
    "phone",
    "address",
    "opening_hours",
    "is_private",
)


def _unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    taken = Service.objects.exclude(pk=exclude_pk) if exclude_pk else Service.objects.all()
    return unique_slug(taken, base, fallback="service")


@transaction.atomic
def service_create(
    *,
    organisation: Organisation,
    by: Any,
    areas: list[Area] | None = None,
    uid: uuid.UUID | None = None,
    **fields: Any,
) -> Service:
    """List a new service of an organisation in the directory. `uid` keeps the Open Referral id
    of a service imported from another directory."""
    unknown = set(fields) - set(SERVICE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown service fields: {sorted(unknown)}")
    service = Service(organisation=organisation, slug=_unique_slug(fields["name"]), uid=uid or uuid.uuid4(), **fields)
    service.full_clean(exclude=["areas"])
    service.save()
    if areas:
        service.areas.set(areas)
    log_action(action="service.created", by=by, target=service, organisation_id=organisation.pk)
    return service


@transaction.atomic
def service_update(*, service: Service, by: Any, areas: list[Area], **fields: Any) -> Service:
    """Change what the directory says about a service."""
    unknown = set(fields) - set(SERVICE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown service fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(service, name, value)
    service.full_clean(exclude=["areas"])
    service.save()
    service.areas.set(areas)
    log_action(action="service.updated", by=by, target=service, organisation_id=service.organisation_id)
    return service


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    organisations_created: int
    unknown_areas: list[str]


@transaction.atomic
def openreferral_import(*, services: list[ImportedService], default_sector: str, by: Any) -> ImportResult:
    """Create or update services from Open Referral UK data, matched by their id; organisations
    are matched by name or created in `default_sector`. All of it, or nothing (the caller has
    already refused files with errors)."""
    areas_by_name = {area.name.casefold(): area for area in Area.objects.all()}
    organisations = {org.name.casefold(): org for org in Organisation.objects.all()}
    existing = {
        service.uid: service
        for service in Service.objects.filter(uid__in=[s.uid for s in services]).select_related("organisation")
    }
    created = updated = organisations_created = 0
    unknown_areas: set[str] = set()
    for item in services:
        organisation = organisations.get(item.organisation_name.casefold())
        if organisation is None:
            organisation = organisation_services.organisation_create(
                name=item.organisation_name,
                sector=default_sector,
                description=item.organisation_description,
                website=item.organisation_url,
                by=by,
            )
            organisations[item.organisation_name.casefold()] = organisation
            organisations_created += 1
        fields = {
            "name": item.name,
            "description": item.description,
            "category": item.category,
            "status": item.status,
            "eligibility": item.eligibility,
            "minimum_age": item.minimum_age,
            "maximum_age": item.maximum_age,
            "fees": item.fees,
            "url": item.url,
            "email": item.email,
            "phone": item.phone,
            "address": item.address,
            "opening_hours": item.opening_hours,
        }
        areas = []
        for name in item.area_names:
            area = areas_by_name.get(name.casefold())
            if area is None:
                unknown_areas.add(name)
            else:
                areas.append(area)
        service = existing.get(item.uid)
        try:
            if service is None:
                service_create(organisation=organisation, areas=areas, uid=item.uid, by=by, **fields)
                created += 1
            else:
                if service.organisation_id != organisation.pk:
                    # Moving a service would hand its stories to another organisation's people.
                    raise ValidationError(
                        _("%(name)s is run by %(current)s on Heard; the file says %(other)s. Change it on Heard first.")
                        % {"name": service.name, "current": service.organisation.name, "other": organisation.name}
                    )
                service_update(service=service, areas=areas, by=by, **fields)
                updated += 1
        except ValidationError as error:
            raise ValidationError([f"{item.name}: {message}" for message in error.messages]) from error
    log_action(action="directory.imported", by=by, data={"created": created, "updated": updated})
    return ImportResult(created, updated, organisations_created, sorted(unknown_areas))
