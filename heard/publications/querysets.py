"""Filters that read like English, shared by the selectors, feeds and the newsletter."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from heard.publications.enums import PublicationStatus, SubscriberStatus


class PublicationQuerySet(models.QuerySet):
    def public(self, now: Any = None) -> PublicationQuerySet:
        """Published, and its publish date has come."""
        return self.filter(status=PublicationStatus.PUBLISHED, published_at__lte=now or timezone.now())


class SubscriberQuerySet(models.QuerySet):
    def receiving(self, topic: Any = None) -> SubscriberQuerySet:
        """The subscribers an issue goes to: confirmed, still subscribed and reachable; for an issue
        about one topic, those who chose it or chose no topic (which means everything)."""
        found = self.filter(status=SubscriberStatus.SUBSCRIBED)
        if topic is not None:
            # One filter() call, so both conditions read the same join: a subscriber matches once.
            found = found.filter(models.Q(topics=topic) | models.Q(topics__isnull=True))
        return found
