from __future__ import annotations

from allauth.mfa.models import Authenticator

from heard.accounts.models import Demographics, User


def demographics_for(*, user: User) -> Demographics | None:
    return Demographics.objects.filter(user=user).first()


def has_totp(*, user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
