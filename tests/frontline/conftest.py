from __future__ import annotations

import pytest

from heard.frontline import services
from heard.frontline.models import Agency, Partner
from heard.organisations.models import Organisation
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    add_totp,
    frontline_agency,
    frontline_partner,
)


def staff_of(organisation: Organisation, role: str = "caseworker", email: str | None = None):
    user = UserFactory(**({"email": email} if email else {}))
    MembershipFactory(user=user, organisation=organisation, role=role)
    add_totp(user)
    return user


@pytest.fixture
def social_care(db: None) -> Agency:
    """Adult social care, which takes cold homes and possible dementia."""
    agency = frontline_agency(OrganisationFactory(name="Millbrook Adult Social Care", slug="asc"), "adult_social_care")
    services.rule_add(by=None, agency=agency, category="cold_home")
    services.rule_add(by=None, agency=agency, category="dementia")
    return agency


@pytest.fixture
def fire_service(db: None) -> Agency:
    """The fire service's safe and well visits, which take cold homes too."""
    agency = frontline_agency(OrganisationFactory(name="Millbrook Fire and Rescue", slug="fire"), "fire")
    services.rule_add(by=None, agency=agency, category="cold_home")
    return agency


@pytest.fixture
def duty_desk(db: None) -> Agency:
    return frontline_agency(OrganisationFactory(name="Millbrook Duty Desk", slug="duty"), "duty")


@pytest.fixture
def social_worker(social_care):
    return staff_of(social_care.organisation, "caseworker", "social.worker@example.org")


@pytest.fixture
def firefighter(fire_service):
    return staff_of(fire_service.organisation, "caseworker", "firefighter@example.org")


@pytest.fixture
def coordinator(duty_desk):
    return staff_of(duty_desk.organisation, "caseworker", "coordinator@example.org")


@pytest.fixture
def shopkeeper(db: None) -> Partner:
    return frontline_partner(UserFactory(email="shopkeeper@example.org", display_name="Raj"))


def cold_home(partner: Partner, **overrides):
    data = {
        "category": "cold_home",
        "urgency": "soon",
        "details": "No heating and frost inside the windows.",
        "address": "14 Canal Street",
        "postcode": "MB1 2AB",
        "name": "Edith Clarke",
        "approx_age": 84,
        "subject_aware": "agreed",
        "contact": "07700 900123",
    }
    data.update(overrides)
    return services.flag_submit(partner=partner, **data)
