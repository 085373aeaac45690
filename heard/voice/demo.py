"""Stories in the demo borough: told by residents, most published, some waiting to be checked.

Deterministic: the same stories, ratings and dates on every run (a seeded random generator)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from heard.voice.enums import Frequency, Listened, ResponseStatus, StoryStatus
from heard.voice.models import Change, Response, Story, Subscription

GOOD = [
    ("Sorted in one visit", "They came when they said they would and fixed it first time. Clear and kind throughout."),
    (
        "Listened and explained",
        "The person I spoke to took time to understand my situation and told me what would happen next.",
    ),
    ("Better than I expected", "I was worried it would be a battle, but I was called back the same day."),
    ("They treated me like a person", "No judgement, no rushing. I left knowing exactly what to do next."),
    ("Easy to reach", "I got through on the first try and the letter that followed said the same as on the phone."),
    ("Made a real difference", "Things are much better at home since. I did not expect it to work out so well."),
]
MIXED = [
    ("Got there in the end", "It took three phone calls and a lot of waiting, but the problem is fixed now."),
    ("Kind staff, slow system", "Everyone was friendly, but nobody could tell me how long it would take."),
    ("Good once I got in", "Getting an appointment was hard, but the help itself was good."),
    ("Half sorted", "One part of the problem is fixed; the other is still waiting and nobody has said when."),
]
POOR = [
    ("Nobody called back", "I was promised a call within two days. Two weeks later I am still waiting."),
    ("Passed from pillar to post", "Each person told me to ring a different number. Nobody took responsibility."),
    ("Felt I was not believed", "I explained the damp three times and was told to open a window."),
    ("Letters I could not understand", "The letters were full of jargon and the form did not fit my situation."),
    ("Had to give up a day's pay", "I waited in all day for a visit that did not happen, and nobody rang."),
]


def seed(world: dict[str, Any]) -> None:
    if Story.objects.exists():
        return
    rng = random.Random(2014)  # noqa: S311 - demo data, not security
    residents = [world["people"][key] for key in ("resident", "resident2", "resident3")]
    now = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    stories = []
    for service in world["services"].values():
        for n in range(rng.randint(16, 28)):
            mood = rng.choices(["good", "mixed", "poor"], weights=[4, 3, 3])[0]
            title, text = rng.choice({"good": GOOD, "mixed": MIXED, "poor": POOR}[mood])
            overall = {"good": rng.choice([4, 5]), "mixed": 3, "poor": rng.choice([1, 2])}[mood]
            listened = {"good": Listened.YES, "mixed": Listened.PARTLY, "poor": Listened.NO}[mood]
            created = now - dt.timedelta(days=rng.randint(1, 330), hours=rng.randint(0, 8))
            author = rng.choice(residents) if n % 3 else None
            status = StoryStatus.PENDING if n == 0 and rng.random() < 0.4 else StoryStatus.PUBLISHED
            stories.append(
                Story(
                    service=service,
                    author=author,
                    author_email="" if author else f"neighbour{len(stories)}@millbrook.example",
                    author_name=author.display_name.split()[0] if author else "",
                    title=title,
                    text=text,
                    rating_overall=overall,
                    rating_access=max(1, min(5, overall + rng.choice([-1, 0, 1]))),
                    rating_respect=max(1, min(5, overall + rng.choice([-1, 0, 1]))),
                    rating_outcome=overall,
                    listened=listened,
                    status=status,
                    published_at=created + dt.timedelta(days=1) if status == StoryStatus.PUBLISHED else None,
                )
            )
    created_stories = Story.objects.bulk_create(stories)
    # created_at is set on insert; spread it over the year like the published dates.
    for story in created_stories:
        if story.published_at:
            story.created_at = story.published_at - dt.timedelta(days=1)
    Story.objects.bulk_update([s for s in created_stories if s.published_at], ["created_at"])
    world["stories"] = created_stories

    # Providers with a responder answer about half of their published stories, in every status.
    responders = {
        "Millbrook Borough Council": world["people"]["responder"],
        "Brightwater Homes Ltd": world["people"]["repairs"],
    }
    answers = {
        ResponseStatus.ACKNOWLEDGED: "Thank you for telling us. We have passed this to the team that runs the service.",
        ResponseStatus.LOOKING_INTO_IT: "We are sorry to read this. A manager is looking into what happened and will "
        "reply here within two weeks.",
        ResponseStatus.CHANGE_PLANNED: "You are not the only one to tell us this. From January, every call will get a "
        "reference number and a named person.",
        ResponseStatus.CHANGE_MADE: "Thank you. Since your story, we have added evening appointments.",
    }
    statuses = list(ResponseStatus)
    responses = []
    for story in created_stories:
        responder = responders.get(story.service.organisation.name)
        if story.status != StoryStatus.PUBLISHED or responder is None or rng.random() < 0.45:
            continue
        status = statuses[len(responses) % len(statuses)]
        responses.append(
            Response(
                story=story,
                organisation=story.service.organisation,
                author=responder,
                text=answers[status],
                status=status,
            )
        )
    Response.objects.bulk_create(responses)
    # Answers came a few days after each story was published.
    for response in responses:
        response.created_at = response.story.published_at + dt.timedelta(days=rng.randint(1, 12), hours=3)
    Response.objects.bulk_update(responses, ["created_at"])

    # "You said, we did": two changes, each linked to the stories that led to it.
    today = timezone.localdate()
    for service_name, title, description, days_ago in [
        (
            "Housing repairs",
            "Every repair call now gets a reference number and a named person",
            "You told us you had to explain your repair again on every call. Now each call gets a reference, "
            "and one person follows it through.",
            40,
        ),
        (
            "Responsive repairs for council homes",
            "Evening and Saturday appointments",
            "You told us you could not take a day off work to wait in. Appointments now run until 8pm and on "
            "Saturdays.",
            12,
        ),
        (
            "Health visiting",
            "Letters in plain English, with a named contact",
            "You told us our letters were hard to follow. We rewrote them with families, and each now names "
            "the person to call.",
            75,
        ),
    ]:
        service = world["services"][service_name]
        linked = [s for s in created_stories if s.service_id == service.pk and s.status == StoryStatus.PUBLISHED]
        change = Change.objects.create(
            service=service,
            title=title,
            description=description,
            changed_on=today - dt.timedelta(days=days_ago),
            created_by=responders.get(service.organisation.name),
        )
        change.stories.set(linked[:3])

    # The council's responder hears about new repairs stories straight away, and the rest daily.
    council_responder = world["people"]["responder"]
    Subscription.objects.get_or_create(
        user=council_responder,
        service=world["services"]["Housing repairs"],
        defaults={"frequency": Frequency.IMMEDIATE, "sent_up_to": timezone.now()},
    )
    Subscription.objects.get_or_create(
        user=council_responder,
        area=world["areas"]["borough"],
        defaults={"frequency": Frequency.DAILY, "sent_up_to": timezone.now()},
    )
