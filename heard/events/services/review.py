"""Review of proposals and the decisions on them: reviewers score each proposal on the call's
criteria; organisers accept, put on the reserve list or reject it; then the hosts are emailed the
call's template for their decision, in bulk, by a background task."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import email_queue, log_action
from heard.core.text import without_control_characters
from heard.events.enums import DECISION_STATES, SCORE_MAX, SessionState
from heard.events.models import Call, Event, Review, ReviewCriterion, ReviewScore, Session

MAX_REVIEW_COMMENT = 5000


def _locked(session: Session) -> Session:
    # Only the session's row: the event's row is what registrations lock.
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("event", "call")
        .defer("access_needs")
        .get(pk=session.pk)
    )


def score_field(criterion_id: int) -> str:
    """The form field (and error key) of one criterion's score."""
    return f"score_{criterion_id}"


def _weighted_mean(scores: dict[int, int], criteria: list[ReviewCriterion]) -> float:
    total_weight = sum(criterion.weight for criterion in criteria)  # weights are 1 to 10 (call form)
    return sum(scores[criterion.pk] * criterion.weight for criterion in criteria) / total_weight


def _closed_reason(session: Session) -> str:
    if session.state == SessionState.WITHDRAWN:
        return _("This proposal was withdrawn by its hosts, so it is no longer reviewed.")
    if session.state == SessionState.DRAFT:
        return _("This proposal has not been sent in yet, so it cannot be reviewed.")
    return _("This proposal has been decided (%(state)s), so reviews are closed.") % {
        "state": session.get_state_display()
    }


@transaction.atomic
def review_save(*, session: Session, by: Any, scores: dict[int, int], comment: str = "") -> Review:
    """Save a reviewer's scores and comment on a proposal, replacing their earlier review of it.
    Reviews are taken only while the proposal waits for a decision, so the ranking organisers
    decide on is the one reviewers see. Who may review (teams, conflicts) is the view's check."""
    session = _locked(session)
    if session.call_id is None:
        raise ValidationError(_("This session was not proposed to a call, so it is not reviewed."))
    if not can_be_reviewed(session):
        raise ValidationError(_closed_reason(session))
    criteria = list(ReviewCriterion.objects.filter(call_id=session.call_id))
    if not criteria:
        raise ValidationError(_("The organisers have not set any criteria to score yet."))
    known = {criterion.pk for criterion in criteria}
    errors: dict[str, list[str]] = {}
    unknown = [key for key in scores if key not in known]
    if unknown:
        errors["__all__"] = [_("Some scores are for criteria this call does not have. Reload the page.")]
    for criterion in criteria:
        score = scores.get(criterion.pk)
        if score is None:
            errors[score_field(criterion.pk)] = [_("Choose a score for %(name)s.") % {"name": criterion.name}]
        elif not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= SCORE_MAX:
            errors[score_field(criterion.pk)] = [
                _("Choose a score from 0 to %(max)d for %(name)s.") % {"max": SCORE_MAX, "name": criterion.name}
            ]
    comment = without_control_characters(comment or "").strip()
    if len(comment) > MAX_REVIEW_COMMENT:
        errors["comment"] = [_("Write %(limit)d characters or fewer.") % {"limit": MAX_REVIEW_COMMENT}]
    if errors:
        raise ValidationError(errors)

    overall = _weighted_mean(scores, criteria)
    review, created = Review.objects.update_or_create(
        session=session, reviewer=by, defaults={"comment": comment, "overall": overall}
    )
    # The scores are replaced whole: a criterion removed since the last save leaves nothing behind.
    ReviewScore.objects.filter(review=review).delete()
    ReviewScore.objects.bulk_create(
        ReviewScore(review=review, criterion_id=criterion.pk, score=scores[criterion.pk]) for criterion in criteria
    )
    log_action(
        action="events.review_created" if created else "events.review_updated",
        by=by,
        target=review,
        organisation_id=session.event.organisation_id,
        data={"session": session.pk},
    )
    return review


# From these a proposal may be decided (again); accepted and rejected ones only until the hosts
# have been told, after which changing it would contradict the email they received.
_DECIDABLE = (SessionState.SUBMITTED, SessionState.WAITLISTED)
_REDECIDABLE_BEFORE_EMAIL = (SessionState.ACCEPTED, SessionState.REJECTED)


def can_be_reviewed(session: Session) -> bool:
    """Reviews are taken while a proposal waits for its decision."""
    return session.state == SessionState.SUBMITTED


def can_be_decided(session: Session) -> bool:
    """Whether organisers may (still) decide on this proposal."""
    return session.state in _DECIDABLE or (
        session.state in _REDECIDABLE_BEFORE_EMAIL and session.decision_emailed_at is None
    )


@transaction.atomic
def session_decide(*, session: Session, state: str, by: Any) -> Session:
    """Accept a proposal, put it on the reserve list or reject it. The hosts are told later, all at
    once, by `decisions_send`; until then the decision can be changed. One on the reserve list can
    be decided again at any time (a place came up)."""
    session = _locked(session)
    if state not in DECISION_STATES:
        raise ValidationError({"state": _("Choose accept, reserve list or reject.")})
    current = session.state
    if current in (SessionState.DRAFT, SessionState.WITHDRAWN, SessionState.CONFIRMED):
        raise ValidationError(
            {
                SessionState.DRAFT: _("This proposal has not been sent in yet, so it cannot be decided."),
                SessionState.WITHDRAWN: _("This proposal was withdrawn by its hosts, so it cannot be decided."),
                SessionState.CONFIRMED: _("Its hosts have confirmed this session, so the decision cannot change."),
            }[SessionState(current)]
        )
    if current in _REDECIDABLE_BEFORE_EMAIL and session.decision_emailed_at is not None:
        raise ValidationError(
            _("The hosts have already been emailed that it is %(state)s, so the decision cannot change.")
            % {"state": session.get_state_display().lower()}
        )
    if current == state:
        raise ValidationError(_("This proposal is already %(state)s.") % {"state": session.get_state_display().lower()})
    session.state = state
    session.decided_at = timezone.now()
    session.decision_emailed_at = None
    session.save(update_fields=["state", "decided_at", "decision_emailed_at", "updated_at"])
    log_action(
        action="events.session_decided",
        by=by,
        target=session,
        organisation_id=session.event.organisation_id,
        data={"from": current, "to": state},
    )
    return session


def decided_not_emailed(event_id: int) -> Any:
    return Session.objects.filter(event_id=event_id).decided_not_emailed()


@transaction.atomic
def decisions_send(*, event: Event, by: Any) -> int:
    """Email every host of every decided proposal not yet emailed, from a background task once
    this transaction commits. Returns how many emails are on their way."""
    from heard.events.models import SessionHost
    from heard.events.tasks import send_decision_emails

    pending = decided_not_emailed(event.pk)
    if not pending.exists():
        raise ValidationError(_("There are no decisions waiting to be emailed."))
    emails = SessionHost.objects.filter(session__in=pending).count()
    log_action(
        action="events.decisions_sent",
        by=by,
        target=event,
        organisation_id=event.organisation_id,
        data={"emails": emails},
    )
    transaction.on_commit(lambda: send_decision_emails.enqueue(event_id=event.pk))
    return emails


PLACEHOLDERS = ("title", "event", "organiser", "link")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def unknown_placeholders(template: str) -> list[str]:
    """Placeholders in an email template that will not be filled in, like `{name}` (for a form
    that checks a call's templates)."""
    return sorted({name for name in _PLACEHOLDER.findall(template) if name not in PLACEHOLDERS})


def fill_template(template: str, values: dict[str, str]) -> str:
    """The template with its known placeholders filled in. Anything else in braces stays as
    written, so a mistyped placeholder shows in the email rather than stopping every email after
    it; and nothing is evaluated, unlike str.format, which would read attributes (`{event.__class__}`)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return _PLACEHOLDER.sub(fill, template)


def _template_of(call: Call, state: str) -> str:
    return {
        SessionState.ACCEPTED: call.accept_template,
        SessionState.WAITLISTED: call.waitlist_template,
        SessionState.REJECTED: call.reject_template,
    }[SessionState(state)]


def _subject(state: str, title: str) -> str:
    subjects = {
        SessionState.ACCEPTED: _("Your proposal is accepted: %(title)s"),
        SessionState.WAITLISTED: _("Your proposal is on the reserve list: %(title)s"),
        SessionState.REJECTED: _("About your proposal: %(title)s"),
    }
    return subjects[SessionState(state)] % {"title": title}


def decision_emails_deliver(*, event_id: int) -> int:
    """Email the hosts of each decided proposal its call's template, once: each proposal is
    locked, checked and marked in its own transaction, so running this twice (or two workers at
    once) sends nothing twice, and a failure on one proposal keeps the others sent. Returns the
    number of emails queued."""
    sent = 0
    for session_id in list(decided_not_emailed(event_id).order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            session = (
                decided_not_emailed(event_id)
                .select_for_update(of=("self",))
                .select_related("event__organisation", "call")
                .defer("access_needs")
                .filter(pk=session_id)
                .first()
            )
            if session is None:  # emailed meanwhile, or decided again into another state
                continue
            event, call = session.event, session.call
            if call is None:  # decided_not_emailed finds proposals to a call only; this keeps mypy sure of it
                continue
            link = settings.HEARD_SITE_URL + reverse("events:proposal", kwargs={"slug": event.slug, "pk": session.pk})
            body = fill_template(
                _template_of(call, session.state),
                {"title": session.title, "event": event.title, "organiser": event.organisation.name, "link": link},
            )
            hosts = list(session.hosts.select_related("user"))
            for host in hosts:
                email_queue(
                    to=host.email,
                    subject=_subject(session.state, session.title),
                    text_body=body,
                    kind="event_decision",
                    user=host.user,
                )
            session.decision_emailed_at = timezone.now()
            session.save(update_fields=["decision_emailed_at", "updated_at"])
            log_action(
                action="events.decision_emailed",
                target=session,
                organisation_id=event.organisation_id,
                data={"state": session.state, "emails": len(hosts)},
            )
            sent += len(hosts)
    return sent


@transaction.atomic
def access_needs_read(*, session: Session, by: Any) -> str:
    """The hosts' access needs of a proposal, for its organisers. They can say something about
    someone's health, so each read is in the activity log."""
    needs = Session.objects.filter(pk=session.pk).values_list("access_needs", flat=True).first() or ""
    if needs:
        log_action(
            action="events.access_needs_read",
            by=by,
            target=session,
            organisation_id=session.event.organisation_id,
        )
    return needs
