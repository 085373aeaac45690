"""Background tasks of Co-design: they take ids and call a service."""

from __future__ import annotations

from django_tasks import task

from heard.codesign import notices


@task()
def tell_followers(*, idea_id: int, event: str, object_id: int, site_url: str = "") -> int:
    return notices.followers_tell(idea_id=idea_id, event=event, object_id=object_id, site_url=site_url)
