"""Builds the demo world, one capability after another. Each later capability adds its part here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from heard.accounts import demo as accounts_demo
from heard.api import demo as api_demo
from heard.codesign import demo as codesign_demo
from heard.conversations import demo as conversations_demo
from heard.demo.people import DEMO_PASSWORD, PEOPLE
from heard.directory import demo as directory_demo
from heard.events import demo as events_demo
from heard.frontline import demo as frontline_demo
from heard.organisations import demo as organisations_demo
from heard.organisations import services as organisation_services
from heard.polls import demo as polls_demo
from heard.publications import demo as publications_demo
from heard.voice import demo as voice_demo


@transaction.atomic
def build() -> dict[str, Any]:
    world: dict[str, Any] = {}
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: every demo account shares it
    people = {}
    for person in PEOPLE:
        staff = bool(person.roles) or person.site_staff
        people[person.key] = accounts_demo.seed_person(
            email=person.email,
            name=person.name,
            password_hash=password_hash,
            staff=person.site_staff,
            totp_secret=person.totp_secret if staff else None,
        )
    world["people"] = people
    accounts_demo.seed_resident_demographics(
        user=people["resident"],
        answers={
            "age_band": "35-44",
            "gender": "woman",
            "postcode_district": "MB3",
            "tenure": "rent_council",
            "work_status": "part_time",
            "ethnicity": "black",
            "disability": "no",
        },
    )

    organisations_demo.seed(world)
    for person in PEOPLE:
        for organisation_key, role in person.roles:
            organisation_services.membership_grant(
                organisation=world["organisations"][organisation_key],
                user=people[person.key],
                role=role,
                by=people["admin"],
            )
    directory_demo.seed(world)
    voice_demo.seed(world)
    api_demo.seed(world)
    polls_demo.seed(world)
    conversations_demo.seed(world)
    codesign_demo.seed(world)
    frontline_demo.seed(world, demo_people=PEOPLE)
    events_demo.seed(world)
    publications_demo.seed(world)
    return world
