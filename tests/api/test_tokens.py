"""Managers make and revoke their organisation's API tokens; the key is shown once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from heard.api.models import ApiToken
from heard.api.services import token_for_key
from heard.core.crypto import token_digest
from tests.factories import MembershipFactory, add_totp

pytestmark = pytest.mark.django_db


def test_a_manager_makes_a_token_and_sees_its_key_once(client_for, manager, provider) -> None:
    client = client_for(manager)
    url = reverse("api:tokens", kwargs={"slug": provider.slug})
    response = client.post(url, {"name": "Reporting app", "scopes": ["open311", "stories:write"]})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = re.search(r'<code id="new-key">([^<]+)</code>', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.key_hash, token.scopes, token.created_by) == (
        token_digest(key),
        ["open311", "stories:write"],
        manager,
    )
    assert token_for_key(key, scope="open311") == token
    again = client.get(url).content.decode()
    assert key not in again
    assert token.prefix in again


def test_a_token_needs_a_name_and_a_scope(client_for, manager, provider) -> None:
    response = client_for(manager).post(reverse("api:tokens", kwargs={"slug": provider.slug}), {"name": "App"})
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert 'value="App"' in response.content.decode()  # what was typed is kept
    assert ApiToken.objects.count() == 0


def test_revoking_stops_the_token(client_for, manager, provider) -> None:
    client = client_for(manager)
    response = client.post(reverse("api:tokens", kwargs={"slug": provider.slug}), {"name": "A", "scopes": ["open311"]})
    key = re.search(r'<code id="new-key">([^<]+)</code>', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert client.post(reverse("api:token_revoke", kwargs={"pk": token.pk})).status_code == 302
    assert token_for_key(key, scope="open311") is None


def test_another_organisations_manager_cannot_revoke(client_for, manager, provider, other_provider) -> None:
    other_manager = MembershipFactory(organisation=other_provider, role="manager").user
    add_totp(other_manager)
    client = client_for(manager)
    client.post(reverse("api:tokens", kwargs={"slug": provider.slug}), {"name": "A", "scopes": ["open311"]})
    token = ApiToken.objects.get()
    assert client_for(other_manager).post(reverse("api:token_revoke", kwargs={"pk": token.pk})).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_developers_page_shows_the_demo_key_only_in_the_demo(client, settings) -> None:
    settings.HEARD_DEMO = False
    assert "demo-open311-key" not in client.get(reverse("api:docs")).content.decode()
    settings.HEARD_DEMO = True
    page = client.get(reverse("api:docs")).content.decode()
    assert "demo-open311-key" in page
    assert "/api/v1/openapi.json" in page
