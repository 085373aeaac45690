"""Sign-up and sign-in as a person meets them: by password, by emailed code, and with two-factor
authentication for staff."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.urls import reverse

from heard.accounts.models import User
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET, UserFactory

pytestmark = pytest.mark.django_db


def _code_in(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4}|[A-Z0-9]{6})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def _totp_now(secret: str = TEST_TOTP_SECRET) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def test_sign_up_by_password_then_confirm_email_with_code(client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "New.Person@Example.org",
                "password1": "a-long-pass-phrase",
                "password2": "a-long-pass-phrase",
                "display_name": "Kemi",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.display_name == "Kemi"
    assert len(mail.outbox) == 1
    code = _code_in(mail.outbox[0])

    response = client.post(reverse("account_email_verification_sent"), {"code": code}, follow=True)
    assert response.status_code == 200
    assert response.context["user"] == user
    assert user.emailaddress_set.get().verified is True


def test_sign_up_with_mismatched_passwords_keeps_email_and_says_why(client) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "kemi@example.org",
            "password1": "a-long-pass-phrase",
            "password2": "another-phrase",
            "display_name": "Kemi",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'value="kemi@example.org"' in html
    assert 'value="Kemi"' in html
    assert not User.objects.filter(email="kemi@example.org").exists()


def test_sign_in_by_password(client, resident) -> None:
    response = client.post(reverse("account_login"), {"login": resident.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    assert client.session["_auth_user_id"] == str(resident.pk)


def test_sign_in_by_code_sent_by_email(client, resident, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_request_login_code"), {"email": resident.email})
    assert response.status_code == 302
    code = _code_in(mail.outbox[-1])
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)


def test_staff_sign_in_asks_for_two_factor_code(client, responder) -> None:
    response = client.post(reverse("account_login"), {"login": responder.email, "password": TEST_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": _totp_now()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(responder.pk)
    assert client.get(reverse("organisations:manage_home")).status_code == 200


def test_staff_without_two_factor_must_set_it_up_first(client_for, provider) -> None:
    from tests.factories import MembershipFactory

    user = UserFactory()
    MembershipFactory(user=user, organisation=provider)
    client = client_for(user)
    for url in [reverse("organisations:manage_home"), reverse("accounts:profile"), "/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_staff_cannot_switch_two_factor_off(client_for, responder) -> None:
    client = client_for(responder)
    client.post(reverse("mfa_deactivate_totp"))
    assert responder.authenticator_set.filter(type="totp").exists()


def test_two_factor_secret_is_encrypted_at_rest(client_for, responder) -> None:
    stored = responder.authenticator_set.get(type="totp").data["secret"]
    assert TEST_TOTP_SECRET not in stored


def test_resident_needs_no_two_factor(client_for, resident) -> None:
    assert client_for(resident).get(reverse("accounts:profile")).status_code == 200


def test_sign_in_pages_use_plain_words(client) -> None:
    html = client.get(reverse("account_login")).content.decode()
    assert "New to Heard?" in html
    assert "Keep me signed in on this device" in html
    assert "Sign In" not in html


def test_sign_out_returns_to_the_home_page(client_for, resident) -> None:
    client = client_for(resident)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("index:home")
    assert "_auth_user_id" not in client.session
