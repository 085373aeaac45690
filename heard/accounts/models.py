from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.accounts.managers import UserManager
from heard.core.crypto import EncryptedJSONField


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. They sign in with their email address.

    When a person deletes their account the row stays, emptied of personal data, so that what
    they contributed in public stays readable under "Former member".
    """

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("public name"),
        max_length=80,
        blank=True,
        help_text=_("Shown next to what you write in public. Leave it empty to appear as “Resident”."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the admin site"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        """The name shown beside public contributions."""
        if self.erased_at is not None:
            return str(_("Former member"))
        return self.display_name or str(_("Resident"))

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class Demographics(models.Model):
    """Optional answers about a person, used only to weight polls so results represent everyone.

    Stored only with explicit consent; withdrawing consent deletes the row. The answers are special
    category data (ethnicity, disability), so they are encrypted at rest.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="demographics")
    consent_given_at = models.DateTimeField(_("consent given"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # {"age_band": ..., "gender": ..., "postcode_district": ..., "tenure": ..., "work_status": ...,
    #  "ethnicity": ..., "disability": ...}; keys absent when not answered.
    answers = EncryptedJSONField(_("answers"))

    class Meta:
        verbose_name = _("demographics")
        verbose_name_plural = _("demographics")

    def __str__(self) -> str:
        return f"Demographics of person {self.user_id}"
