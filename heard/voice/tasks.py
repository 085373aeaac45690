"""Background tasks of Voice: they take ids and call a service."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from heard.voice import services


@task()
def notify_subscribers(*, story_id: int) -> int:
    return services.subscribers_notify(story_id=story_id, site_url=settings.HEARD_SITE_URL)
