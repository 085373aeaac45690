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


def test_within_organisations_with_narrows_a_list_to_the_persons_organisations(
    convener, site_admin, provider, other_provider
) -> None:
    from tests.factories import ContactTopicFactory, PublicationFactory

    ours = PublicationFactory(organisation=provider)
    theirs = PublicationFactory(organisation=other_provider)
    everything = ours.__class__.objects.all()
    assert list(roles.within_organisations_with(everything, convener, Role.CONVENER)) == [ours]
    assert list(roles.within_organisations_with(everything, convener, Role.ANALYST)) == []
    assert set(roles.within_organisations_with(everything, site_admin, Role.CONVENER)) == {ours, theirs}
    # Through a relation, as the contact messages are (by their topic's organisation).
    topic = ContactTopicFactory(organisation=provider)
    ContactTopicFactory(organisation=other_provider)
    topics = topic.__class__.objects.all()
    assert list(roles.within_organisations_with(topics, convener, Role.CONVENER, field="organisation")) == [topic]
