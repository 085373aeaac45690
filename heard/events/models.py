"""Events: discussion events and festivals, and registration with a capacity and a waiting list.
(Calls for hosts, review, the schedule of rooms and sessions, and feeds are still to come.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.core.crypto import EncryptedTextField
from heard.core.models import TimestampedModel
from heard.events.enums import EventKind, RegistrationStatus
from heard.organisations.models import Organisation


class Event(TimestampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind, default=EventKind.DISCUSSION)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(_("what it is about"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("where"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places"), help_text=_("How many people can come."))
    # Kept by the registration services under a row lock, so a full event is never overbooked.
    booked = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="event_starts_before_ending"
            ),
            models.CheckConstraint(condition=models.Q(booked__lte=models.F("capacity")), name="event_never_overbooked"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.booked)


class Registration(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations")
    status = models.CharField(max_length=10, choices=RegistrationStatus)
    # What someone needs to take part (step-free access, a BSL interpreter…): encrypted, as it can
    # say something about their health.
    access_needs = EncryptedTextField(_("anything we should arrange for you"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="register_for_an_event_once")]
        indexes = [models.Index(fields=["event", "status", "created_at", "id"], name="registration_queue")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} for {self.event_id}"
