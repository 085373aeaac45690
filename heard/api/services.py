"""API tokens: making one, revoking it, and knowing who a request comes from."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.api.enums import Scope
from heard.api.models import ApiToken
from heard.core.crypto import token_digest
from heard.core.ratelimit import rate_limit_exceeded
from heard.core.services import log_action
from heard.organisations.models import Organisation

KEY_PREFIX = "heard_"
# The Open311 key of the demo world, published on the developers page so a client can post
# straight away. It works only while HEARD_DEMO is on.
DEMO_OPEN311_KEY = "demo-open311-key"
# How often the "last used" time is written, so a busy client does not write on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


@transaction.atomic
def token_create(
    *,
    organisation: Organisation,
    by: Any,
    name: str,
    scopes: list[str],
    confirm_by_email: bool = False,
    key: str | None = None,
) -> tuple[ApiToken, str]:
    """Make a token and return it with its key, which is never shown again. `key` is given only
    by the demo world, whose key is published."""
    unknown = set(scopes) - set(Scope.values)
    if not scopes or unknown:
        raise ValidationError({"scopes": _("Choose at least one thing the token may do.")})
    key = key or KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation=organisation,
        name=name.strip(),
        prefix=key[:10],
        key_hash=token_digest(key),
        scopes=sorted(set(scopes)),
        confirm_by_email=confirm_by_email,
        created_by=by,
    )
    token.full_clean()
    token.save()
    log_action(
        action="api_token.created",
        by=by,
        target=token,
        organisation_id=organisation.pk,
        data={"scopes": token.scopes},
    )
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log_action(action="api_token.revoked", by=by, target=token, organisation_id=token.organisation_id)
    return token


def token_for_key(key: str, *, scope: str) -> ApiToken | None:
    """The token a key belongs to if it may be used for `scope` now, else None.

    A token works only while it is not revoked and the person who made it still has an active
    account and may manage the organisation's tokens (a manager, an administrator, or a site
    administrator)."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("created_by", "organisation")
        .filter(key_hash=token_digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or scope not in token.scopes:
        return None
    if key == DEMO_OPEN311_KEY and not settings.HEARD_DEMO:
        return None  # the demo's key is published: it works in demo mode only
    person = token.created_by
    # The maker must still be allowed to make this organisation's tokens; what each scope does is
    # checked again, with the maker's roles, where it is used.
    if person is None or not person.is_active or not person.has_perm("api.manage_tokens", token.organisation):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_write_refusal(request: Any, token: ApiToken) -> str:
    """Count one write by `token` (REST or Open311, one hourly allowance); the reason it is refused
    when over HEARD_API_WRITES_PER_HOUR, else ""."""
    limit = settings.HEARD_API_WRITES_PER_HOUR
    if rate_limit_exceeded(request, action="api_write", limit=limit, period_seconds=3600, who=f"token:{token.pk}"):
        return _("This key has made %(limit)d changes in the last hour. Try again later.") % {"limit": limit}
    return ""
