from __future__ import annotations

import pytest

from heard.accounts.models import User
from heard.codesign.models import Challenge
from heard.organisations.models import Organisation
from tests.factories import ChallengeFactory, UserFactory


@pytest.fixture
def challenge(provider: Organisation) -> Challenge:
    """The council's published challenge, in its ideas phase."""
    return ChallengeFactory(organisation=provider, title="How might we fix repairs faster?", slug="repairs")


@pytest.fixture
def neighbour(db: None) -> User:
    """A second resident."""
    return UserFactory(email="neighbour@example.org", display_name="Bilal")


def move_to(challenge: Challenge, phase: str) -> Challenge:
    from tests.factories import phase_dates

    for name, value in phase_dates(phase).items():
        setattr(challenge, name, value)
    challenge.save()
    return challenge
