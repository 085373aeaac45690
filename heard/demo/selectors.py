"""The demo accounts listed on the home page in demo mode, with each staff account's current
two-factor code so a newcomer can sign in as anyone without an authenticator app."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.db.models import Prefetch

from heard.accounts.models import User
from heard.demo.people import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from heard.organisations.models import Membership


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    roles: list[str]
    totp_code: str | None


def current_totp_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def demo_accounts() -> dict[str, object]:
    secrets = {
        person.email: person.totp_secret
        for person in PEOPLE
        if person.roles or person.agency_roles or person.site_staff
    }
    users = (
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}", is_active=True)
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("organisation")))
        .order_by("pk")
    )
    accounts = []
    for user in users:
        roles = [f"{m.get_role_display()}, {m.organisation.name}" for m in user.memberships.all()]
        secret = secrets.get(user.email)
        accounts.append(
            DemoAccount(
                email=user.email,
                name=user.display_name,
                roles=roles,
                totp_code=current_totp_code(secret) if secret else None,
            )
        )
    return {"password": DEMO_PASSWORD, "accounts": accounts}
