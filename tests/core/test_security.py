"""The security baseline: headers on every response, production settings, login throttling."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_home_page_sends_security_headers(client, db) -> None:
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, db) -> None:
    for url in ["/", reverse("account_login"), reverse("account_signup"), reverse("organisations:areas")]:
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts, url
        assert all("src=" in tag for tag in scripts), url
        assert not re.search(r"\son[a-z]+\s*=", html), url  # no onclick= and the like
        assert not re.search(r"\sstyle\s*=", html), url
        assert "<style" not in html


def _start_in_production(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "HEARD_SITE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        {
            "DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HEARD_SITE_URL": "https://heard.example.org",
            **extra,
        }
    )
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


GOOD_KEY = "x" * 64
FERNET_KEY = "0zJ2yQ1X0m0m5rH0s9zQ5b0b8S2s3W6t3pXJ2bq9l2A="


def test_production_mode_refuses_to_start_without_secret_key() -> None:
    result = _start_in_production({"ALLOWED_HOSTS": "heard.example.org", "FIELD_ENCRYPTION_KEYS": FERNET_KEY})
    assert result.returncode != 0
    assert "needs SECRET_KEY" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts() -> None:
    result = _start_in_production({"SECRET_KEY": GOOD_KEY, "FIELD_ENCRYPTION_KEYS": FERNET_KEY})
    assert result.returncode != 0
    assert "needs ALLOWED_HOSTS" in result.stderr


def test_production_mode_refuses_to_start_with_a_malformed_encryption_key() -> None:
    result = _start_in_production(
        {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "heard.example.org", "FIELD_ENCRYPTION_KEYS": f"{FERNET_KEY},short"}
    )
    assert result.returncode != 0
    assert "key number 2 is not a Fernet key" in result.stderr


@pytest.mark.parametrize("site_url", ["", "http://heard.example.org", "heard.example.org", "https://"])
def test_production_mode_refuses_to_start_without_an_https_site_url(site_url) -> None:
    result = _start_in_production(
        {
            "SECRET_KEY": GOOD_KEY,
            "ALLOWED_HOSTS": "heard.example.org",
            "FIELD_ENCRYPTION_KEYS": FERNET_KEY,
            "HEARD_SITE_URL": site_url,
        }
    )
    assert result.returncode != 0
    assert "needs HEARD_SITE_URL" in result.stderr


def test_production_mode_turns_on_secure_cookies_and_hsts() -> None:
    result = _start_in_production(
        {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "heard.example.org", "FIELD_ENCRYPTION_KEYS": FERNET_KEY}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "63072000"]


def test_malformed_boolean_setting_fails_loudly() -> None:
    result = _start_in_production(
        {"HEARD_DEMO": "perhaps", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "h", "FIELD_ENCRYPTION_KEYS": FERNET_KEY}
    )
    assert result.returncode != 0
    assert "HEARD_DEMO='perhaps' is not a boolean" in result.stderr


def test_secret_can_come_from_a_file(tmp_path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("y" * 64)
    result = _start_in_production(
        {"SECRET_KEY_FILE": str(secret_file), "ALLOWED_HOSTS": "heard.example.org", "FIELD_ENCRYPTION_KEYS": FERNET_KEY}
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_account_out(client, resident) -> None:
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": resident.email, "password": "wrong-password"})
    response = client.post(url, {"login": resident.email, "password": "correct-horse-battery-staple"})
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_error_reports_hide_what_a_person_typed(rf) -> None:
    from heard.core.debug import PersonalDataExceptionReporterFilter

    request = rf.post("/", {"story": "My neighbour at 12 Canal St", "name": "Amara"})
    cleaned = PersonalDataExceptionReporterFilter().get_post_parameters(request)
    assert "Canal St" not in str(cleaned)
    assert set(cleaned) == {"story", "name"}
