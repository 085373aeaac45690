"""The demo world's accounts: verified email, a known password, and two-factor set up for staff."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt

from heard.accounts import services
from heard.accounts.models import User


def seed_person(*, email: str, name: str, password_hash: str, staff: bool, totp_secret: str | None) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        # Site staff use the admin site, which needs Django's own superuser flag.
        user = User.objects.create(
            email=email, display_name=name, password=password_hash, is_staff=staff, is_superuser=staff
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if totp_secret and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(totp_secret)})
    return user


def seed_resident_demographics(*, user: User, answers: dict[str, str]) -> None:
    if not hasattr(user, "demographics"):
        services.demographics_save(user=user, answers=answers, by=user)
