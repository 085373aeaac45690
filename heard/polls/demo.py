"""The demo world's poll: "The Collaborative Citizen 2026", run in two waves, answered by
synthetic respondents who over-represent older home owners (as open polls do), weighted to the
borough's population.

The answers are drawn so that, weighted, few people feel they have a say in how services are run,
and renters, younger people, disabled people and people from minority ethnic groups feel it less.
Deterministic: a seeded generator gives the same respondents on every run."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import numpy as np
from django.utils import timezone

from heard.polls import analysis, services, variables
from heard.polls.enums import Channel, QuestionKind, RespondentStatus
from heard.polls.models import Answer, Poll, Respondent

TITLE = "The Collaborative Citizen 2026"

# The borough's population (shares), as from the Census; the sample is drawn from SKEW instead.
POPULATION = {
    "age_band": {"16-24": 0.14, "25-34": 0.19, "35-44": 0.17, "45-54": 0.16, "55-64": 0.14, "65-74": 0.11, "75+": 0.09},
    "tenure": {
        "own_outright": 0.27,
        "own_mortgage": 0.25,
        "shared_ownership": 0.01,
        "rent_council": 0.12,
        "rent_housing_association": 0.09,
        "rent_private": 0.22,
        "rent_free": 0.01,
        "other": 0.03,
    },
    "ethnicity": {"asian": 0.12, "black": 0.09, "mixed": 0.04, "white": 0.72, "other": 0.03},
    "disability": {"limited_a_lot": 0.08, "limited_a_little": 0.11, "no": 0.81},
}
SKEW = {
    "age_band": [0.05, 0.09, 0.13, 0.17, 0.21, 0.2, 0.15],
    "tenure": [0.4, 0.26, 0.01, 0.08, 0.06, 0.14, 0.01, 0.04],
    "ethnicity": [0.06, 0.04, 0.03, 0.85, 0.02],
    "disability": [0.06, 0.12, 0.82],
}
SERVICES = ["Health (GP, hospital)", "Council housing", "Bins and recycling", "Schools", "Social care", "Buses"]
GRID = [
    "I am satisfied with health services",
    "I am satisfied with council housing",
    "I am satisfied with bins and recycling",
    "I am satisfied with schools",
    "I am satisfied with social care",
    "I am satisfied with buses",
]
CHANGES = [
    "Tell us what happened after we gave our views.",
    "Ask people like me, not only the usual faces.",
    "Meetings in the evening, near where I live.",
    "A real person to talk to, not a form.",
    "Show us what changed because of what we said.",
    "Plain English letters.",
]


def _build_questions(poll: Poll, by: Any) -> dict[str, Any]:
    q: dict[str, Any] = {}
    for variable, text in [
        ("age_band", "How old are you?"),
        ("gender", "Which of these describes you?"),
        ("tenure", "Do you own or rent your home?"),
        ("ethnicity", "What is your ethnic group?"),
        ("disability", "Do you have a condition that limits your day-to-day activities?"),
    ]:
        q[variable] = services.question_add(
            poll=poll, by=by, kind=QuestionKind.PROFILE, text=text, page=1, weighting_variable=variable
        )
    q["say"] = services.question_add(
        poll=poll,
        by=by,
        kind=QuestionKind.LIKERT,
        page=2,
        text="I have a say in how public services in my area are run",
    )
    q["used"] = services.question_add(
        poll=poll,
        by=by,
        kind=QuestionKind.SINGLE,
        page=2,
        text="Which public service have you used most in the last year?",
        options="\n".join(SERVICES),
    )
    q["grid"] = services.question_add(
        poll=poll,
        by=by,
        kind=QuestionKind.MATRIX,
        page=3,
        text="How far do you agree with each of these?",
        items="\n".join(GRID),
    )
    q["tried"] = services.question_add(
        poll=poll,
        by=by,
        kind=QuestionKind.SINGLE,
        page=3,
        text="Have you ever tried to tell a public service what you think of it?",
        options="Yes\nNo",
    )
    q["listened"] = services.question_add(
        poll=poll,
        by=by,
        kind=QuestionKind.SCALE,
        page=4,
        text="When you did, how well do you feel you were listened to? (0 = not at all, 10 = completely)",
        show_if_question=q["tried"],
        show_if_values=["1"],
    )
    q["help"] = services.question_add(
        poll=poll,
        by=by,
        kind=QuestionKind.MULTIPLE,
        page=4,
        required=False,
        text="What would make you more likely to take part?",
        options="\n".join(
            [
                "Knowing what happened next",
                "Evening or weekend times",
                "Taking part online",
                "Being paid for my time",
                "Help with travel or care",
            ]
        ),
    )
    q["change"] = services.question_add(
        poll=poll,
        by=by,
        kind=QuestionKind.TEXT,
        page=4,
        required=False,
        text="What one change would make you feel more heard?",
    )
    return q


def _respondents(wave: Any, q: dict[str, Any], n: int, rng: np.random.Generator, say_shift: float) -> None:
    profile = {variable: rng.choice(variables.levels(variable), size=n, p=SKEW[variable]) for variable in SKEW}
    profile["gender"] = rng.choice(["woman", "man", "non_binary", "prefer_not"], size=n, p=[0.55, 0.43, 0.01, 0.01])
    renter = np.isin(profile["tenure"], ["rent_council", "rent_housing_association", "rent_private"])
    young = np.isin(profile["age_band"], ["16-24", "25-34"])
    minority = profile["ethnicity"] != "white"
    disabled = profile["disability"] != "no"
    # The chance of feeling you have a say: low overall, lower still for these groups.
    p_say = np.clip(0.22 + say_shift - 0.09 * renter - 0.06 * young - 0.06 * minority - 0.07 * disabled, 0.02, 0.9)
    says = rng.random(n) < p_say
    now = timezone.now()
    respondents = Respondent.objects.bulk_create(
        Respondent(
            wave=wave,
            channel=Channel.PANEL if i % 4 == 0 else Channel.PUBLIC_LINK,
            resume_key=secrets.token_urlsafe(24),
            status=RespondentStatus.COMPLETE,
            page=4,
            submitted_at=min(wave.closes_at, now, wave.opens_at + dt.timedelta(hours=int(rng.integers(1, 24 * 20)))),
        )
        for i in range(n)
    )
    answers = []
    options = {key: [o.code for o in q[key].options.all()] for key in ("used", "help")}
    items = list(q["grid"].items.all())
    for i, respondent in enumerate(respondents):
        for variable in ("age_band", "gender", "tenure", "ethnicity", "disability"):
            answers.append(Answer(respondent=respondent, question=q[variable], choices=[str(profile[variable][i])]))
        say = (
            str(rng.choice(["5", "4"], p=[0.3, 0.7]))
            if says[i]
            else str(rng.choice(["3", "2", "1"], p=[0.3, 0.4, 0.3]))
        )
        answers.append(Answer(respondent=respondent, question=q["say"], choices=[say]))
        answers.append(Answer(respondent=respondent, question=q["used"], choices=[str(rng.choice(options["used"]))]))
        for k, item in enumerate(items):
            lean = 0.55 - 0.07 * k - 0.1 * renter[i] + (0.1 if says[i] else 0)
            point = "4" if rng.random() < lean else str(rng.choice(["5", "3", "2", "1"], p=[0.2, 0.3, 0.3, 0.2]))
            answers.append(Answer(respondent=respondent, question=q["grid"], item=item, choices=[point]))
        tried = rng.random() < 0.45
        answers.append(Answer(respondent=respondent, question=q["tried"], choices=["1" if tried else "2"]))
        if tried:
            score = float(np.clip(round(rng.normal(6.5 if says[i] else 3.5, 2)), 0, 10))
            answers.append(Answer(respondent=respondent, question=q["listened"], number=score))
        chosen = [code for code in options["help"] if rng.random() < 0.35]
        if chosen:
            answers.append(Answer(respondent=respondent, question=q["help"], choices=chosen))
        if rng.random() < 0.2:
            answers.append(Answer(respondent=respondent, question=q["change"], text=str(rng.choice(CHANGES))))
    Answer.objects.bulk_create(answers, batch_size=5000)


def seed(world: dict[str, Any]) -> None:
    if Poll.objects.filter(title=TITLE).exists():
        return
    convener = world["people"]["convener"]
    poll = services.poll_create(
        organisation=world["organisations"]["collaborative"],
        by=convener,
        title=TITLE,
        introduction=(
            "How much say do you have in the services you use? Tell us in five minutes. We weight the answers so "
            "that they speak for everyone in Millbrook, and we publish what we learn."
        ),
    )
    poll.results_public = True
    poll.save(update_fields=["results_public"])
    q = _build_questions(poll, convener)
    rng = np.random.default_rng(2026)
    now = timezone.now()
    last_year = services.wave_create(
        poll=poll,
        by=convener,
        label="Winter 2025",
        opens_at=now - dt.timedelta(days=400),
        closes_at=now - dt.timedelta(days=370),
    )
    this_year = services.wave_create(
        poll=poll,
        by=convener,
        label="Autumn 2026",
        opens_at=now - dt.timedelta(days=50),
        closes_at=now - dt.timedelta(days=3),
    )
    for wave, n, shift in ((last_year, 1200, -0.02), (this_year, 2000, 0.0)):
        wave.published_at = wave.opens_at
        wave.save(update_fields=["published_at"])
        _respondents(wave, q, n, rng, shift)
        analysis.wave_weight(wave=wave, margins=POPULATION, by=convener)
        wave.refresh_from_db()
        analysis.wave_results_store(wave=wave)
    # A wave open now, so the demo's public link can be answered.
    open_wave = services.wave_create(
        poll=poll,
        by=convener,
        label="Winter 2026",
        opens_at=now - dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=40),
    )
    services.wave_publish(wave=open_wave, by=convener)
    world["poll"] = poll
