"""Which organisations a person acts for, by role (heard.organisations.roles)."""

from __future__ import annotations

import pytest

from heard.organisations import roles
from heard.organisations.enums import Role

pytestmark = pytest.mark.django_db


def test_organisations_with_gives_the_organisations_where_a_role_is_held(convener, provider, other_provider) -> None:
    assert list(roles.organisations_with(convener, Role.CONVENER, Role.MANAGER)) == [provider]
    assert list(roles.organisations_with(convener, Role.ANALYST)) == []


def test_organisations_with_gives_a_site_admin_every_organisation(site_admin, provider, other_provider) -> None:
    assert set(roles.organisations_with(site_admin, Role.CONVENER)) >= {provider, other_provider}


def test_organisations_with_gives_anyone_else_nothing(resident, provider) -> None:
    assert list(roles.organisations_with(resident, Role.CONVENER)) == []
