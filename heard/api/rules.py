"""Who may manage API tokens (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations.rules import is_site_admin, manages_organisation


@rules.predicate
def manages_token_organisation(user: Any, token: Any) -> bool:
    return token is not None and manages_organisation(user, token.organisation)


rules.add_perm("api.manage_tokens", manages_organisation | is_site_admin)
rules.add_perm("api.revoke_token", manages_token_organisation | is_site_admin)
