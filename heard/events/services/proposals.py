"""Proposals to a festival's call for hosts: written as a draft, sent in before the deadline,
edited until then, co-hosted by people invited by email address; and, once the organisers have
decided, confirmed or withdrawn by their hosts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import email_queue, log_action
from heard.core.text import required_text, without_control_characters
from heard.events.enums import SESSION_DURATIONS, SessionKind, SessionState
from heard.events.models import Answer, Call, Session, SessionHost

MAX_COHOSTS = 6
EDITABLE_STATES = (SessionState.DRAFT, SessionState.SUBMITTED)


def _site_url() -> str:
    return settings.HEARD_SITE_URL


def _check_open(call: Call) -> None:
    now = timezone.now()
    deadline = timezone.localtime(call.deadline).strftime("%-d %B %Y, %H:%M")
    if now < call.opens_at:
        raise ValidationError(_("This call opens on %(date)s.") % {"date": timezone.localtime(call.opens_at)})
    if now >= call.deadline:
        raise ValidationError(
            _("The call for hosts closed on %(date)s, so proposals can no longer be sent in or changed.")
            % {"date": deadline}
        )


def cohost_emails(text: str, *, proposer_email: str = "") -> list[str]:
    """The co-hosts' addresses from a box with one address per line (or separated by commas): a
    ValidationError naming the first address that is not one."""
    found: list[str] = []
    for raw in text.replace(",", "\n").replace(";", "\n").splitlines():
        email = raw.strip()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"cohosts": _("“%(email)s” is not an email address. Check it and try again.") % {"email": email[:80]}}
            ) from None
        if email.lower() == proposer_email.lower() or email.lower() in (e.lower() for e in found):
            continue
        found.append(email)
    if len(found) > MAX_COHOSTS:
        raise ValidationError({"cohosts": _("Invite at most %(n)d co-hosts.") % {"n": MAX_COHOSTS}})
    return found


def _clean(call: Call, fields: dict[str, Any], answers: dict[int, str], *, submitting: bool) -> dict[str, Any]:
    """Check what a proposal says; a draft needs a title only, a proposal sent in needs the rest."""
    cleaned: dict[str, Any] = {
        "title": required_text(fields.get("title", ""), field="title", limit=200, empty=_("Give the session a title.")),
        "audience": without_control_characters(fields.get("audience") or "").strip()[:300],
        "access_needs": without_control_characters(fields.get("access_needs") or "").strip()[:2000],
        "description": without_control_characters(fields.get("description") or "").strip(),
    }
    if submitting and not cleaned["description"]:
        raise ValidationError({"description": _("Say what happens in the session.")})
    if len(cleaned["description"]) > 5000:
        raise ValidationError({"description": _("Write %(limit)d characters or fewer.") % {"limit": 5000}})
    kind = fields.get("kind") or SessionKind.WORKSHOP
    if kind not in SessionKind.values:
        raise ValidationError({"kind": _("Choose the type of session.")})
    duration = int(fields.get("duration") or 60)
    if duration not in SESSION_DURATIONS:
        raise ValidationError({"duration": _("Choose one of the lengths offered.")})
    theme = fields.get("theme")
    if theme is not None and not call.event.themes.filter(pk=theme.pk).exists():
        raise ValidationError({"theme": _("Choose one of the festival's themes.")})
    expected = fields.get("expected_audience") or 20
    if not 1 <= int(expected) <= 10_000:
        raise ValidationError({"expected_audience": _("Give a number between 1 and 10,000.")})
    cleaned.update(kind=kind, duration=duration, theme=theme, expected_audience=int(expected))
    cleaned["organisation"] = fields.get("organisation")
    for question in call.questions.all():
        text = without_control_characters(answers.get(question.pk, "")).strip()[:5000]
        if submitting and question.required and not text:
            raise ValidationError({f"question_{question.pk}": _("Answer this question to send the proposal in.")})
    return cleaned


def _save_answers(session: Session, call: Call, answers: dict[int, str]) -> None:
    for question in call.questions.all():
        text = without_control_characters(answers.get(question.pk, "")).strip()[:5000]
        Answer.objects.update_or_create(session=session, question=question, defaults={"text": text})


def _invite_cohosts(session: Session, emails: list[str], by: Any) -> list[SessionHost]:
    """Add co-hosts not yet on the session, drop those no longer listed, and email the new ones."""
    current = {host.email.lower(): host for host in session.hosts.filter(is_proposer=False)}
    wanted = {email.lower(): email for email in emails}
    session.hosts.filter(is_proposer=False).exclude(
        email__in=[h.email for k, h in current.items() if k in wanted]
    ).delete()
    added = [
        SessionHost.objects.create(session=session, email=email) for key, email in wanted.items() if key not in current
    ]
    link = _site_url() + reverse("events:proposals", kwargs={"slug": session.event.slug})
    for host in added:
        email_queue(
            to=host.email,
            subject=_("You are invited to co-host “%(title)s”") % {"title": session.title},
            text_body=_(
                "Hello,\n\n%(name)s has proposed a session, “%(title)s”, for %(event)s and named you as a "
                "co-host.\n\nSign in (or create an account) with this email address to see it and help "
                "shape it: %(link)s\n\nIf you did not expect this, you can ignore this email.\n\nFrom the Heard team"
            )
            % {
                "name": getattr(by, "display_name", "") or _("Someone"),
                "title": session.title,
                "event": session.event.title,
                "link": link,
            },
            kind="event_cohost_invited",
        )
    return added


def _confirm_submission(session: Session, by: Any) -> None:
    link = _site_url() + reverse("events:proposal", kwargs={"slug": session.event.slug, "pk": session.pk})
    deadline = timezone.localtime(session.call.deadline).strftime("%-d %B %Y, %H:%M") if session.call else ""
    email_queue(
        to=by.email,
        subject=_("We have your proposal: %(title)s") % {"title": session.title},
        text_body=_(
            "Hello,\n\nThank you for proposing “%(title)s” for %(event)s. It has reached us.\n\n"
            "You can change it until %(deadline)s here: %(link)s\n"
            "We will tell you and your co-hosts what we decide after the call closes.\n\nFrom the Heard team"
        )
        % {"title": session.title, "event": session.event.title, "deadline": deadline, "link": link},
        kind="event_proposal_received",
        user=by,
    )


@transaction.atomic
def session_propose(
    *,
    call: Call,
    by: Any,
    fields: dict[str, Any],
    answers: dict[int, str] | None = None,
    cohosts: list[str] | None = None,
    submit: bool = True,
) -> Session:
    """Propose a session to a call, as a draft or sent in. The proposer is its first host; the
    co-hosts are invited by email; sending it in is confirmed by email."""
    _check_open(call)
    answers = answers or {}
    cleaned = _clean(call, fields, answers, submitting=submit)
    now = timezone.now()
    session = Session.objects.create(
        event=call.event,
        call=call,
        proposer=by,
        state=SessionState.SUBMITTED if submit else SessionState.DRAFT,
        submitted_at=now if submit else None,
        **cleaned,
    )
    SessionHost.objects.create(
        session=session, email=by.email, user=by, name=getattr(by, "display_name", ""), is_proposer=True
    )
    _save_answers(session, call, answers)
    _invite_cohosts(session, cohosts or [], by)
    log_action(
        action="session.submitted" if submit else "session.drafted",
        by=by,
        target=session,
        organisation_id=call.event.organisation_id,
    )
    if submit:
        _confirm_submission(session, by)
    return session


@transaction.atomic
def session_update(
    *,
    session: Session,
    by: Any,
    fields: dict[str, Any],
    answers: dict[int, str] | None = None,
    cohosts: list[str] | None = None,
    submit: bool = False,
) -> Session:
    """Change a draft or a proposal sent in, until the deadline. `submit` sends a draft in (a
    proposal already sent in stays sent in)."""
    session = Session.objects.select_for_update(of=("self",)).select_related("call__event", "event").get(pk=session.pk)
    if session.call is None:
        raise ValidationError(_("This session was not proposed through a call, so it cannot be changed here."))
    if session.state not in EDITABLE_STATES:
        raise ValidationError(_("This proposal has been decided, so it can no longer be changed."))
    _check_open(session.call)
    answers = answers or {}
    submitting = submit or session.state == SessionState.SUBMITTED
    cleaned = _clean(session.call, fields, answers, submitting=submitting)
    for name, value in cleaned.items():
        setattr(session, name, value)
    newly_submitted = submitting and session.state == SessionState.DRAFT
    if newly_submitted:
        session.state, session.submitted_at = SessionState.SUBMITTED, timezone.now()
    session.save()
    _save_answers(session, session.call, answers)
    if cohosts is not None:
        _invite_cohosts(session, cohosts, by)
    log_action(
        action="session.submitted" if newly_submitted else "session.edited",
        by=by,
        target=session,
        organisation_id=session.event.organisation_id,
    )
    if newly_submitted:
        _confirm_submission(session, by)
    return session


@transaction.atomic
def session_respond(*, session: Session, by: Any, confirm: bool) -> Session:
    """A host confirms an accepted session, or withdraws it (at any point before it happens)."""
    session = Session.objects.select_for_update().select_related("event").get(pk=session.pk)
    if confirm:
        if session.state != SessionState.ACCEPTED:
            raise ValidationError(_("Only an accepted session can be confirmed."))
        session.state = SessionState.CONFIRMED
    else:
        if session.state in (SessionState.WITHDRAWN, SessionState.REJECTED):
            raise ValidationError(_("This proposal is no longer on the programme."))
        if session.published_ends_at is not None and session.published_ends_at <= timezone.now():
            raise ValidationError(_("This session has already happened."))
        session.state = SessionState.WITHDRAWN
    session.responded_at = timezone.now()
    session.save(update_fields=["state", "responded_at", "updated_at"])
    log_action(
        action="session.confirmed" if confirm else "session.withdrawn",
        by=by,
        target=session,
        organisation_id=session.event.organisation_id,
    )
    if not confirm:
        _tell_organisers_of_withdrawal(session)
    return session


def _tell_organisers_of_withdrawal(session: Session) -> None:
    from heard.events.rules import RUNNING_ROLES
    from heard.organisations.models import Membership

    organisers = (
        Membership.objects.filter(organisation_id=session.event.organisation_id, role__in=RUNNING_ROLES)
        .select_related("user")
        .order_by("pk")[:20]
    )
    link = _site_url() + reverse("events:proposal_manage", kwargs={"slug": session.event.slug, "pk": session.pk})
    for membership in organisers:
        email_queue(
            to=membership.user.email,
            subject=_("A session was withdrawn: %(title)s") % {"title": session.title},
            text_body=_("Hello,\n\nThe hosts of “%(title)s” have withdrawn it from %(event)s.\n%(link)s\n")
            % {"title": session.title, "event": session.event.title, "link": link},
            kind="event_session_withdrawn",
            user=membership.user,
        )


@transaction.atomic
def hosts_link(*, user: Any) -> int:
    """Link the co-host invitations sent to a person's verified email address to their account,
    so they see the proposals they were invited to. Returns how many were linked."""
    from allauth.account.models import EmailAddress

    verified = list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))
    linked = 0
    for email in verified:
        linked += SessionHost.objects.filter(user__isnull=True, email__iexact=email).update(
            user=user, name=getattr(user, "display_name", "")
        )
    if linked:
        log_action(action="session.cohost_linked", by=user, data={"count": linked})
    return linked
