"""Who may do what in the directory (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations.rules import is_site_admin, manages_organisation


@rules.predicate
def manages_service(user: Any, service: Any) -> bool:
    return service is not None and manages_organisation(user, service.organisation)


rules.add_perm("directory.manage_services", manages_organisation | is_site_admin)
rules.add_perm("directory.change_service", manages_service | is_site_admin)
rules.add_perm("directory.import", is_site_admin)
