"""allauth's two-factor rules, adjusted: secrets are encrypted, and staff cannot switch two-factor
authentication off."""

from __future__ import annotations

from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings

from heard.core.crypto import decrypt_text, encrypt_text
from heard.organisations.roles import is_staff_person


class MFAAdapter(DefaultMFAAdapter):
    # Two-factor secrets are encrypted at rest with the same keys as other sensitive fields.
    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)

    def can_delete_authenticator(self, authenticator: Any) -> bool:
        if settings.HEARD_MFA_REQUIRED_FOR_STAFF and is_staff_person(authenticator.user):
            return authenticator.type != authenticator.Type.TOTP
        return super().can_delete_authenticator(authenticator)
