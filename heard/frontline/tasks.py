"""Background tasks of Frontline: they take ids, never personal data."""

from __future__ import annotations

from django_tasks import task

from heard.frontline import linking


@task()
def link_new_flag(*, flag_id: int) -> int:
    return linking.links_for_new_flag(flag_id=flag_id)
