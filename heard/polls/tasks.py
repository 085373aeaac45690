from __future__ import annotations

from typing import Any

from django_tasks import task

from heard.polls import analysis, fielding
from heard.polls.models import Wave


@task()
def weigh_and_compute(*, wave_id: int, margins: dict[str, Any] | None = None, cap: float | None = None) -> None:
    """Rake a wave (to new margins when given, else to its own, if it has any) and recount its
    results. A failed raking keeps the last good weights, and the results stay as they were."""
    wave = Wave.objects.select_related("poll").get(pk=wave_id)
    if margins is not None or wave.margins:
        worked = analysis.wave_weight(wave=wave, margins=margins, cap=cap)
        if not worked and margins is not None:
            return
        wave.refresh_from_db()
    analysis.wave_results_store(wave=wave)


@task()
def invite_panel(*, wave_id: int, site_url: str) -> None:
    """Invite every member of the residents' panel not yet invited to a wave."""
    fielding.panel_invite(wave=Wave.objects.select_related("poll").get(pk=wave_id), by=None, site_url=site_url)
