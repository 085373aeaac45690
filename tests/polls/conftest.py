from __future__ import annotations

import pytest

from heard.polls import services
from heard.polls.enums import QuestionKind
from tests.factories import WaveFactory


@pytest.fixture
def poll(provider, convener):
    """A poll with a profile question, a routed pair, a grid, a scale and free text over 3 pages."""
    poll = services.poll_create(organisation=provider, by=convener, title="Having a say")
    services.question_add(
        poll=poll,
        by=convener,
        kind=QuestionKind.PROFILE,
        text="How old are you?",
        page=1,
        weighting_variable="age_band",
    )
    tried = services.question_add(
        poll=poll, by=convener, kind=QuestionKind.SINGLE, text="Have you given feedback?", page=1, options="Yes\nNo"
    )
    services.question_add(poll=poll, by=convener, kind=QuestionKind.LIKERT, text="I have a say", page=2)
    services.question_add(
        poll=poll,
        by=convener,
        kind=QuestionKind.SCALE,
        text="How well were you listened to?",
        page=2,
        show_if_question=tried,
        show_if_values=["1"],
    )
    services.question_add(
        poll=poll,
        by=convener,
        kind=QuestionKind.MULTIPLE,
        text="What would help?",
        page=3,
        required=False,
        options="Evening times\nOnline\nBeing paid",
    )
    services.question_add(
        poll=poll,
        by=convener,
        kind=QuestionKind.MATRIX,
        text="Do you agree?",
        page=3,
        items="Buses\nBins",
    )
    services.question_add(poll=poll, by=convener, kind=QuestionKind.TEXT, text="Anything else?", page=3, required=False)
    return poll


@pytest.fixture
def wave(poll):
    return WaveFactory(poll=poll, number=1, label="Spring 2026")
