"""Writes about organisations, roles and areas."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from heard.core import postcodes
from heard.core.services import log_action
from heard.core.slugs import unique_slug
from heard.organisations.enums import AREA_PARENT_KIND, Role
from heard.organisations.models import Area, Membership, Organisation, PostcodePrefix
from heard.organisations.roles import forget_roles


def _unique_slug(model: type[Area] | type[Organisation], base: str) -> str:
    return unique_slug(model.objects.all(), base, max_length=120)


@transaction.atomic
def organisation_create(
    *,
    name: str,
    sector: str,
    by: Any,
    description: str = "",
    website: str = "",
    public_email: str = "",
    areas: list[Area] | None = None,
    is_operator: bool = False,
    slug: str = "",
) -> Organisation:
    """Add an organisation to Heard, so its people can be given roles."""
    organisation = Organisation(
        name=name.strip(),
        slug=slug or _unique_slug(Organisation, name),
        sector=sector,
        description=description,
        website=website,
        public_email=public_email,
        is_operator=is_operator,
    )
    organisation.full_clean()
    organisation.save()
    if areas:
        organisation.areas.set(areas)
    log_action(action="organisation.created", by=by, target=organisation, organisation_id=organisation.pk)
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, by: Any, description: str, website: str, public_email: str, areas: list[Area]
) -> Organisation:
    """Change what the public reads about an organisation and where it works."""
    organisation.description = description
    organisation.website = website
    organisation.public_email = public_email
    organisation.save(update_fields=["description", "website", "public_email", "updated_at"])
    organisation.areas.set(areas)
    log_action(action="organisation.updated", by=by, target=organisation, organisation_id=organisation.pk)
    return organisation


@transaction.atomic
def membership_grant(*, organisation: Organisation, user: Any, role: str, by: Any) -> Membership:
    """Give a person a role in an organisation. Granting a role they already hold changes nothing."""
    membership, created = Membership.objects.get_or_create(
        organisation=organisation, user=user, role=role, defaults={"granted_by": by if by and by.pk else None}
    )
    if created:
        log_action(
            action="membership.granted",
            by=by,
            target=membership,
            organisation_id=organisation.pk,
            data={"role": role, "user_id": user.pk},
        )
    forget_roles(user)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, by: Any) -> None:
    """Take a role away. An organisation always keeps at least one administrator."""
    organisation = membership.organisation
    if membership.role == Role.ADMINISTRATOR:
        administrators = (
            Membership.objects.select_for_update().filter(organisation=organisation, role=Role.ADMINISTRATOR).count()
        )
        if administrators <= 1:
            raise ValidationError(_("An organisation needs at least one administrator. Add another one first."))
    log_action(
        action="membership.revoked",
        by=by,
        target=membership,
        organisation_id=organisation.pk,
        data={"role": membership.role, "user_id": membership.user_id},
    )
    forget_roles(membership.user)
    membership.delete()


@transaction.atomic
def area_create(
    *,
    name: str,
    kind: str,
    parent: Area | None,
    by: Any,
    code: str = "",
    slug: str = "",
    postcode_prefixes: list[str] | None = None,
) -> Area:
    """Add a place, with the postcode districts or sectors that lie in it. Regions stand alone,
    local authorities sit in a region and wards in a local authority."""
    expected_parent = AREA_PARENT_KIND[kind]
    if expected_parent is None and parent is not None:
        raise ValidationError({"parent": _("A region is not part of another area. Leave “part of” empty.")})
    if expected_parent is not None and (parent is None or parent.kind != expected_parent):
        raise ValidationError({"parent": _("Choose the area this one is part of.")})
    area = Area.objects.create(
        name=name.strip(), kind=kind, parent=parent, code=code.strip().upper(), slug=slug or _unique_slug(Area, name)
    )
    log_action(action="area.created", by=by, target=area)
    if postcode_prefixes:
        postcode_prefixes_set(area=area, prefixes=postcode_prefixes, by=by)
    return area


@transaction.atomic
def postcode_prefixes_set(*, area: Area, prefixes: list[str], by: Any) -> list[PostcodePrefix]:
    """Point postcode districts or sectors at an area. A prefix that already points at another
    area is refused rather than moved, so no area loses its postcodes by accident."""
    wanted = []
    for raw in prefixes:
        prefix = postcodes.normalise_prefix(raw)
        if not prefix:
            raise ValidationError(
                {"postcode_prefixes": _("%(value)s is not a postcode district or sector.") % {"value": raw}}
            )
        wanted.append(prefix)
    taken = PostcodePrefix.objects.filter(prefix__in=wanted).exclude(area=area).select_related("area")
    if taken:
        raise ValidationError(
            {
                "postcode_prefixes": _("Already in another area: %(items)s.")
                % {"items": ", ".join(f"{item.prefix} ({item.area.name})" for item in taken)}
            }
        )
    existing = set(PostcodePrefix.objects.filter(area=area, prefix__in=wanted).values_list("prefix", flat=True))
    created = PostcodePrefix.objects.bulk_create(
        [PostcodePrefix(prefix=prefix, area=area) for prefix in dict.fromkeys(wanted) if prefix not in existing]
    )
    if created:
        log_action(action="area.postcodes_added", by=by, target=area, data={"prefixes": [p.prefix for p in created]})
    return list(PostcodePrefix.objects.filter(area=area, prefix__in=wanted))
