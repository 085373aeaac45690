"""Filters on sessions that read like English, shared by the rules, the selectors and the views."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q


def hosted_by_q(user: Any) -> Q:
    """Sessions `user` hosts: as proposer, by account, or at the address a co-host invitation was
    sent to (their verified sign-in address). The one definition of "hosts" (conflicts of interest,
    the hosts' own pages, the reviewers' queue)."""
    from heard.events.models import SessionHost

    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    hosts = Q(user=user)
    email = (getattr(user, "email", "") or "").strip()
    if email:
        hosts |= Q(email__iexact=email)
    return Q(proposer=user) | Q(Exists(SessionHost.objects.filter(hosts, session=OuterRef("pk"))))


class SessionQuerySet(models.QuerySet):
    def hosted_by(self, user: Any) -> SessionQuerySet:
        return self.filter(hosted_by_q(user))

    def decided_not_emailed(self) -> SessionQuerySet:
        """Proposals decided and not yet emailed to their hosts (what "send the decisions" sends)."""
        from heard.events.enums import DECISION_STATES

        return self.filter(call__isnull=False, state__in=DECISION_STATES, decision_emailed_at__isnull=True)
