"""The scale data set for the benchmarks: built by bulk inserts, marked, refused twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from heard.directory.models import Service
from heard.voice.enums import StoryStatus
from heard.voice.models import Response, Story

pytestmark = pytest.mark.django_db


def test_seed_scale_builds_marked_data_and_refuses_twice(settings) -> None:
    settings.HEARD_DEMO = True
    call_command("seed_scale", services=12, stories=600, seed=3)
    assert Service.objects.filter(slug__startswith="scale-").count() == 12
    assert Story.objects.count() == 600
    published = Story.objects.filter(status=StoryStatus.PUBLISHED)
    assert published.count() > 400
    assert set(published.values_list("rating_overall", flat=True)) == {1, 2, 3, 4, 5}
    assert Response.objects.exists()
    with pytest.raises(CommandError):
        call_command("seed_scale", services=12, stories=600)
    call_command("seed_scale", services=12, stories=600, if_missing=True)
    assert Story.objects.count() == 600


def test_seed_scale_refuses_outside_demo_or_debug(settings) -> None:
    settings.HEARD_DEMO = False
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_scale", services=2, stories=10)
    assert Story.objects.count() == 0


def test_seed_scale_builds_a_consistent_challenge_for_the_codesign_benchmark(settings) -> None:
    from django.db.models import Count, F

    from heard.codesign.enums import IdeaStatus
    from heard.codesign.models import Challenge, Idea, Support

    settings.HEARD_DEMO = True
    call_command("seed_scale", services=3, stories=30, ideas=400, supports=3000, seed=2)
    big = Challenge.objects.get(slug="scale-challenge")
    assert big.ideas.count() == 400
    assert Support.objects.filter(idea__challenge=big).count() == 3000
    drifted = Idea.objects.annotate(rows=Count("supports")).exclude(support_count=F("rows"))
    assert not drifted.filter(status=IdeaStatus.PUBLISHED).exists()
    assert Challenge.objects.filter(slug="scale-challenge-small").exists()


def test_seed_scale_builds_frontline_routed_as_the_rules_say(settings) -> None:
    from django.db import connection

    from heard.frontline.enums import OPEN_REFERRAL, ReferralStatus
    from heard.frontline.models import Agency, Flag, Referral
    from heard.frontline.services import matching_rules

    settings.HEARD_DEMO = True
    call_command("seed_scale", services=2, stories=10, referrals=60, seed=4)
    big = Agency.objects.get(organisation__slug="scale-frontline-asc")
    small = Agency.objects.get(organisation__slug="scale-frontline-quiet")
    assert Referral.objects.filter(agency=big, status__in=OPEN_REFERRAL).count() == 60
    assert Referral.objects.filter(agency=big).exclude(status__in=OPEN_REFERRAL).exists()
    assert Referral.objects.filter(agency=small, status__in=OPEN_REFERRAL).count() == 3
    assert Referral.objects.filter(agency=small, status=ReferralStatus.ROUTED, escalated_at__isnull=False).count() == 1
    assert big.rules.filter(active=True).count() > 200
    # Every flag went where flag_route would send it: each agency a rule names, or the duty desk.
    for flag in Flag.objects.select_related("area__parent__parent").order_by("pk")[:40]:
        rules = matching_rules(category=flag.category, urgency=flag.urgency, area=flag.area)
        expected = {rule.agency_id for rule in rules} or {Agency.objects.get(kind="duty").pk}
        routed = set(flag.referrals.filter(transferred_from__isnull=True).values_list("agency_id", flat=True))
        assert routed == expected
    # Personal details are stored encrypted, and read back.
    flag = Flag.objects.filter(personal_erased_at__isnull=True).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT details FROM frontline_flag WHERE id = %s", [flag.pk])
        assert cursor.fetchone()[0] != flag.details
    assert flag.location["address"] or flag.location["place"] or flag.location["postcode"]
    flags = Flag.objects.count()
    with pytest.raises(CommandError):
        call_command("seed_scale", services=2, stories=10, referrals=60)
    call_command("seed_scale", services=2, stories=10, referrals=60, if_missing=True)
    assert Flag.objects.count() == flags
