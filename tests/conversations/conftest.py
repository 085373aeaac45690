from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from heard.conversations import services


@pytest.fixture
def conversation(provider, convener):
    now = timezone.now()
    return services.conversation_create(
        organisation=provider,
        by=convener,
        topic="Bins",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
        seed_statements=["Bins should be collected weekly.", "Recycling is confusing.", "Fortnightly is fine."],
    )
