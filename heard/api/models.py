from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from heard.organisations.models import Organisation


class ApiToken(models.Model):
    """A key for a program acting for an organisation: an Open311 client, or a script using the
    REST API. Only a hash of the key is stored; the key itself is shown once, when it is made.

    A token acts as the person who made it, with their roles at the time of each request, so it
    stops working for what they may no longer do."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("what it is for"), max_length=100)
    # The first characters of the key, shown so people can tell their tokens apart.
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("what it may do"), default=list)
    # For clients whose users' email addresses are not checked (a kiosk, say): a request that
    # gives an address waits until its author follows the link emailed to them.
    confirm_by_email = models.BooleanField(_("Ask each person who gives an email address to confirm it"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_tokens"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
