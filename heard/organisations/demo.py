"""The demo borough: Millbrook, its wards and postcodes, and organisations from all four sectors."""

from __future__ import annotations

from typing import Any

from heard.organisations import services
from heard.organisations.enums import AreaKind, Sector
from heard.organisations.models import Area, Organisation

# Millbrook is made up. Its postcodes use the area letters MB, which no real postcode uses.
REGION = ("Eastmere", "eastmere", "")
BOROUGH = ("Millbrook", "millbrook", "")
WARDS = (
    ("Canal Side", "canal-side", ["MB1 1", "MB1 2"]),
    ("Old Market", "old-market", ["MB1 3", "MB1 4"]),
    ("Hillcrest", "hillcrest", ["MB2"]),
    ("Eastfield", "eastfield", ["MB3"]),
    ("Northgate", "northgate", ["MB4"]),
    ("St Anne's", "st-annes", ["MB5"]),
)

ORGANISATIONS = (
    (
        "collaborative",
        "Millbrook Collaborative",
        Sector.VOLUNTARY,
        True,
        "An independent partnership that runs Heard in Millbrook: polls, conversations, events and reports.",
    ),
    (
        "council",
        "Millbrook Borough Council",
        Sector.PUBLIC,
        False,
        "The local authority: housing, adult social care, children's services, bins, roads and parks.",
    ),
    (
        "health",
        "Millbrook Community Health NHS Trust",
        Sector.PUBLIC,
        False,
        "Community nursing, health visiting and GP-led clinics across the borough.",
    ),
    (
        "brightwater",
        "Brightwater Homes Ltd",
        Sector.PRIVATE,
        False,
        "Repairs and maintenance contractor for the council's homes.",
    ),
    ("buses", "Millbrook Bus Company", Sector.PRIVATE, False, "Runs the borough's bus routes under contract."),
    (
        "advice",
        "Millbrook Citizens Advice",
        Sector.VOLUNTARY,
        False,
        "Free, confidential advice on money, benefits, housing and work.",
    ),
    (
        "agewell",
        "Age Well Millbrook",
        Sector.VOLUNTARY,
        False,
        "A charity supporting older people to live well and independently at home.",
    ),
    (
        "tenants",
        "Eastfield Tenants' Association",
        Sector.COMMUNITY,
        False,
        "Tenants of the Eastfield estate, working together on repairs and the neighbourhood.",
    ),
    (
        "foodbank",
        "Canal Side Food Bank",
        Sector.COMMUNITY,
        False,
        "Emergency food and a warm welcome, run by volunteers from St Anne's church hall.",
    ),
)


def seed(world: dict[str, Any]) -> None:
    by = None
    region = Area.objects.filter(slug=REGION[1]).first() or services.area_create(
        name=REGION[0], slug=REGION[1], kind=AreaKind.REGION, parent=None, by=by
    )
    borough = Area.objects.filter(slug=BOROUGH[1]).first() or services.area_create(
        name=BOROUGH[0], slug=BOROUGH[1], kind=AreaKind.LOCAL_AUTHORITY, parent=region, by=by
    )
    wards = {}
    for name, slug, prefixes in WARDS:
        ward = Area.objects.filter(slug=slug).first() or services.area_create(
            name=name, slug=slug, kind=AreaKind.WARD, parent=borough, by=by
        )
        services.postcode_prefixes_set(area=ward, prefixes=prefixes, by=by)
        wards[slug] = ward
    services.postcode_prefixes_set(area=borough, prefixes=["MB1"], by=by)

    organisations = {}
    for key, name, sector, is_operator, description in ORGANISATIONS:
        organisation = Organisation.objects.filter(name=name).first() or services.organisation_create(
            name=name, sector=sector, description=description, is_operator=is_operator, by=by
        )
        organisations[key] = organisation
    # Who serves where.
    for key in ("collaborative", "council", "health", "brightwater", "buses", "advice", "agewell"):
        organisations[key].areas.add(borough)
    organisations["tenants"].areas.add(wards["eastfield"])
    organisations["foodbank"].areas.add(wards["canal-side"], wards["st-annes"])

    world["areas"] = {"region": region, "borough": borough, **wards}
    world["organisations"] = organisations
