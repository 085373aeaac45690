"""Named personas shared by every test: who they are is in their name.

Staff personas hold their role in `provider` (a public body), have two-factor authentication set
up (staff must), and are signed in by `client_for(persona)`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from heard.accounts.models import User
from heard.organisations.enums import Role, Sector
from heard.organisations.models import Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, add_totp, recently_signed_in_session

STAFF_ROLES = [role.value for role in Role]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate limits and throttling live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def provider(db: None) -> Organisation:
    return OrganisationFactory(name="Millbrook Borough Council", slug="council", sector=Sector.PUBLIC)


@pytest.fixture
def other_provider(db: None) -> Organisation:
    return OrganisationFactory(name="Brightwater Homes", slug="brightwater", sector=Sector.PRIVATE)


@pytest.fixture
def operator(db: None) -> Organisation:
    return OrganisationFactory(name="Millbrook Collaborative", slug="collaborative", is_operator=True)


@pytest.fixture
def resident(db: None) -> User:
    return UserFactory(email="resident@example.org", display_name="Amara")


def _staff(organisation: Organisation, role: str, email: str) -> User:
    user = UserFactory(email=email)
    MembershipFactory(user=user, organisation=organisation, role=role)
    add_totp(user)
    return user


@pytest.fixture
def responder(provider: Organisation) -> User:
    return _staff(provider, Role.RESPONDER, "responder@example.org")


@pytest.fixture
def caseworker(provider: Organisation) -> User:
    return _staff(provider, Role.CASEWORKER, "caseworker@example.org")


@pytest.fixture
def manager(provider: Organisation) -> User:
    return _staff(provider, Role.MANAGER, "manager@example.org")


@pytest.fixture
def convener(provider: Organisation) -> User:
    return _staff(provider, Role.CONVENER, "convener@example.org")


@pytest.fixture
def other_convener(other_provider: Organisation) -> User:
    """A convener of another organisation: to show that a role in one gives nothing in the other."""
    return _staff(other_provider, Role.CONVENER, "convener@brightwater.example")


@pytest.fixture
def analyst(provider: Organisation) -> User:
    return _staff(provider, Role.ANALYST, "analyst@example.org")


@pytest.fixture
def org_admin(provider: Organisation) -> User:
    return _staff(provider, Role.ADMINISTRATOR, "org-admin@example.org")


@pytest.fixture
def site_admin(operator: Organisation) -> User:
    return _staff(operator, Role.ADMINISTRATOR, "site-admin@example.org")


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    """A test client signed in as `user` (anonymous for None), as if they had just signed in,
    so pages that ask for recent authentication let them through."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = recently_signed_in_session(user)
        return client

    return make
