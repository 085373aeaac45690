"""Who may do what with stories (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations import roles
from heard.organisations.enums import Role
from heard.organisations.rules import is_site_admin


@rules.predicate
def is_site_convener(user: Any) -> bool:
    return roles.has_site_role(user, Role.CONVENER)


rules.add_perm("voice.moderate", is_site_convener | is_site_admin)
