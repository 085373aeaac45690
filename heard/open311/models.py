from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from heard.api.models import ApiToken
from heard.core.crypto import EncryptedJSONField
from heard.voice.models import Story


class Open311Request(models.Model):
    """What an Open311 client sent with a story beyond the story itself.

    The place and the contact details are personal, so they are stored encrypted and shown only to
    the client that sent them; the public sees the postcode district at most."""

    story = models.OneToOneField(Story, on_delete=models.CASCADE, related_name="open311_request")
    # For clients that wait for the author to confirm by email: the request's id until it has one.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    api_token = models.ForeignKey(ApiToken, null=True, on_delete=models.SET_NULL, related_name="+")
    # The postcode district ("MB1"), the one part of the place shown in public.
    district = models.CharField(max_length=8, blank=True)
    # address_string, address_id, lat, long, media_url, device_id, account_id, first_name,
    # last_name, phone, email, and the answers to the service's questions.
    private = EncryptedJSONField(_("place and contact details"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self) -> str:
        return f"Open311 request for story {self.story_id}"
