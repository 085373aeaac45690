"""Which organisations a person acts for, by role (heard.organisations.roles)."""

from __future__ import annotations

import pytest

from heard.organisations import roles
from heard.organisations.enums import Role
from heard.publications.models import ContactMessage, Publication
from tests.factories import ContactTopicFactory, PublicationFactory
from tests.publications.test_contact import _message

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
    ours = PublicationFactory(organisation=provider)
    theirs = PublicationFactory(organisation=other_provider)
    everything = Publication.objects.all()
    assert list(roles.within_organisations_with(everything, convener, Role.CONVENER)) == [ours]
    assert list(roles.within_organisations_with(everything, convener, Role.ANALYST)) == []
    assert set(roles.within_organisations_with(everything, site_admin, Role.CONVENER)) == {ours, theirs}
    # Through a relation, as the contact messages are (by their topic's organisation).
    to_us = _message(ContactTopicFactory(organisation=provider))
    to_them = _message(ContactTopicFactory(organisation=other_provider))
    messages = ContactMessage.objects.all()
    by_topic = "topic__organisation"
    assert list(roles.within_organisations_with(messages, convener, Role.CONVENER, field=by_topic)) == [to_us]
    assert list(roles.within_organisations_with(messages, convener, Role.ANALYST, field=by_topic)) == []
    assert set(roles.within_organisations_with(messages, site_admin, Role.CONVENER, field=by_topic)) == {
        to_us,
        to_them,
    }
