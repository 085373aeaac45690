"""The demo world's published Open311 key, so a reporting app can post straight away."""

from __future__ import annotations

from typing import Any

from heard.api.enums import Scope
from heard.api.models import ApiToken
from heard.api.services import DEMO_OPEN311_KEY, token_create
from heard.core.crypto import token_digest


def seed(world: dict[str, Any]) -> None:
    if ApiToken.objects.filter(key_hash=token_digest(DEMO_OPEN311_KEY)).exists():
        return
    token, _key = token_create(
        organisation=world["organisations"]["collaborative"],
        by=world["people"]["admin"],
        name="Demo Open311 key (published on the developers page)",
        scopes=[Scope.OPEN311, Scope.STORIES_WRITE],
        key=DEMO_OPEN311_KEY,
    )
    world["api_token"] = token
