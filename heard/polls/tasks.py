from __future__ import annotations

from django_tasks import task

from heard.polls import analysis
from heard.polls.models import Wave


@task()
def weigh_and_compute(*, wave_id: int) -> None:
    """Rake a wave to its margins (when it has them) and recompute its results."""
    wave = Wave.objects.select_related("poll").get(pk=wave_id)
    if wave.margins:
        analysis.wave_weight(wave=wave)
        wave.refresh_from_db()
    analysis.wave_results_store(wave=wave)
