"""Optional demographics: stored only with consent, encrypted, withdrawable."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from heard.accounts.models import Demographics

pytestmark = pytest.mark.django_db

ANSWERS = {
    "age_band": "65-74",
    "gender": "man",
    "postcode": "mb3 4ab",
    "tenure": "rent_council",
    "work_status": "retired",
    "ethnicity": "white",
    "disability": "limited_a_little",
}


def test_answers_with_consent_are_saved_keeping_only_the_postcode_district(client_for, resident) -> None:
    response = client_for(resident).post(reverse("accounts:about_you"), {**ANSWERS, "consent": "on"})
    assert response.status_code == 302
    demographics = Demographics.objects.get(user=resident)
    assert demographics.answers["postcode_district"] == "MB3"
    assert demographics.answers["age_band"] == "65-74"
    assert "4AB" not in str(demographics.answers)


def test_answers_are_encrypted_in_the_database(client_for, resident) -> None:
    client_for(resident).post(reverse("accounts:about_you"), {**ANSWERS, "consent": "on"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM accounts_demographics")
        (stored,) = cursor.fetchone()
    assert "limited_a_little" not in stored
    assert "65-74" not in stored


def test_answers_without_consent_are_not_saved_and_are_kept_on_the_page(client_for, resident) -> None:
    response = client_for(resident).post(reverse("accounts:about_you"), ANSWERS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tick the box to agree" in html
    assert 'href="#id_consent"' in html  # the error summary links to the field
    assert 'value="mb3 4ab"' in html
    assert response.context["form"]["age_band"].value() == "65-74"
    assert re.search(r'<input type="radio" name="age_band" value="65-74"[^>]*checked', html)
    assert not Demographics.objects.filter(user=resident).exists()


def test_bad_postcode_shows_an_error_beside_the_field_and_keeps_every_other_answer(client_for, resident) -> None:
    response = client_for(resident).post(
        reverse("accounts:about_you"), {**ANSWERS, "postcode": "not a postcode", "consent": "on"}
    )
    html = response.content.decode()
    form = response.context["form"]
    assert list(form.errors) == ["postcode"]
    assert "Enter a postcode, like E8 1EA" in html
    assert 'href="#id_postcode"' in html
    assert form["tenure"].value() == "rent_council"
    assert form["consent"].value() is True
    assert not Demographics.objects.filter(user=resident).exists()


def test_withdrawing_consent_deletes_the_answers(client_for, resident) -> None:
    client = client_for(resident)
    client.post(reverse("accounts:about_you"), {**ANSWERS, "consent": "on"})
    response = client.post(reverse("accounts:about_you_withdraw"))
    assert response.status_code == 302
    assert not Demographics.objects.filter(user=resident).exists()


def test_public_name_can_be_changed(client_for, resident) -> None:
    client_for(resident).post(reverse("accounts:details"), {"display_name": "  Amara O  "})
    resident.refresh_from_db()
    assert resident.display_name == "Amara O"
    assert resident.public_name == "Amara O"
