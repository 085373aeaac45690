"""Writes about what providers do with ideas: decisions published in public (corrected only by a
new version, the old one kept on show), commitments with owners, due dates and milestones, their
progress, and the daily check that marks late commitments and tells people."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.codesign.enums import (
    OPEN_COMMITMENT,
    CommitmentEventKind,
    CommitmentStatus,
    IdeaStatus,
    Outcome,
    Phase,
)
from heard.codesign.models import Commitment, CommitmentEvent, Decision, Idea, Milestone
from heard.codesign.notices import notify_followers
from heard.core.services import log_action
from heard.core.text import required_text, without_control_characters

DECIDING = (Phase.DECISION, Phase.DELIVERY)


def current_decision(idea: Idea) -> Decision | None:
    return idea.decisions.order_by("-version").first()


@transaction.atomic
def decision_publish(*, idea: Idea, by: Any, outcome: str, reason: str, site_url: str = "") -> Decision:
    """The provider's decision on a shortlisted idea, with its reason, published at once and for
    good. The idea's author and supporters are told."""
    idea = Idea.objects.select_for_update().select_related("challenge").get(pk=idea.pk)
    if idea.decisions.exists():
        raise ValidationError(
            _(
                "A published decision cannot be changed. Publish a correction instead: "
                "the first version stays on show beside it."
            )
        )
    if idea.challenge.phase not in DECIDING:
        raise ValidationError(
            _("Decisions open on %(date)s, when the challenge reaches its decision phase.")
            % {"date": timezone.localtime(idea.challenge.decision_from).strftime("%-d %B %Y")}
        )
    if not idea.shortlisted or idea.status != IdeaStatus.PUBLISHED:
        raise ValidationError(_("Only a shortlisted idea gets a decision. Shortlist it first."))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose accept, accept with changes, or decline.")})
    decision = Decision.objects.create(
        idea=idea,
        version=1,
        outcome=outcome,
        reason=required_text(reason, field="reason", empty=_("Give the reason for the decision.")),
        decided_by=by,
        organisation=idea.challenge.organisation,
    )
    log_action(
        action="decision.published",
        by=by,
        target=decision,
        organisation_id=decision.organisation_id,
        data={"idea_id": idea.pk, "outcome": outcome},
    )
    notify_followers(idea=idea, event="decision", object_id=decision.pk, site_url=site_url)
    return decision


@transaction.atomic
def decision_correct(
    *, idea: Idea, by: Any, outcome: str, reason: str, correction_note: str, site_url: str = ""
) -> Decision:
    """Correct a published decision: a new version, shown above the earlier ones, which stay."""
    idea = Idea.objects.select_for_update().select_related("challenge").get(pk=idea.pk)
    latest = idea.decisions.aggregate(latest=Max("version"))["latest"]
    if latest is None:
        raise ValidationError(_("There is no published decision to correct yet."))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose accept, accept with changes, or decline.")})
    commitment = Commitment.objects.filter(idea=idea).first()
    if outcome == Outcome.DECLINED and commitment is not None and commitment.status != CommitmentStatus.DROPPED:
        raise ValidationError(
            {
                "outcome": _(
                    "This idea has a commitment. Record it as dropped, with the reason, before declining the idea."
                )
            }
        )
    decision = Decision.objects.create(
        idea=idea,
        version=latest + 1,
        outcome=outcome,
        reason=required_text(reason, field="reason", empty=_("Give the reason for the decision.")),
        correction_note=required_text(
            correction_note, field="correction_note", empty=_("Say what this corrects."), limit=300
        ),
        decided_by=by,
        organisation=idea.challenge.organisation,
    )
    log_action(
        action="decision.corrected",
        by=by,
        target=decision,
        organisation_id=decision.organisation_id,
        data={"idea_id": idea.pk, "outcome": outcome, "version": decision.version},
    )
    notify_followers(idea=idea, event="correction", object_id=decision.pk, site_url=site_url)
    return decision


@transaction.atomic
def commitment_create(
    *,
    idea: Idea,
    by: Any,
    title: str,
    description: str = "",
    owner: Any,
    owner_title: str,
    due_on: dt.date,
    milestones: list[tuple[str, dt.date]] | None = None,
    site_url: str = "",
) -> Commitment:
    """Turn an accepted idea into a commitment someone answers for, by a date."""
    idea = Idea.objects.select_for_update().select_related("challenge").get(pk=idea.pk)
    decision = current_decision(idea)
    if decision is None or decision.outcome == Outcome.DECLINED:
        raise ValidationError(_("Only an accepted idea becomes a commitment. Publish the decision first."))
    if Commitment.objects.filter(idea=idea).exists():
        raise ValidationError(_("This idea already has a commitment. Post progress on it instead."))
    commitment = Commitment(
        idea=idea,
        organisation=idea.challenge.organisation,
        title=required_text(title, field="title", empty=_("Say what you will do."), limit=200),
        description=without_control_characters(description).strip(),
        owner=owner,
        owner_title=required_text(
            owner_title, field="owner_title", empty=_("Give the job title of the person who answers for it."), limit=120
        ),
        due_on=due_on,
    )
    commitment.full_clean()
    commitment.save()
    for milestone_title, milestone_due in milestones or []:
        if milestone_due > due_on:
            raise ValidationError(
                {
                    "milestones": _("Each milestone must be due by the commitment's own date, %(date)s.")
                    % {"date": due_on}
                }
            )
        Milestone.objects.create(
            commitment=commitment,
            title=required_text(milestone_title, field="milestones", empty=_("Name the milestone."), limit=200),
            due_on=milestone_due,
        )
    CommitmentEvent.objects.create(
        commitment=commitment,
        kind=CommitmentEventKind.CREATED,
        status_after=commitment.status,
        text=commitment.title,
        by=by,
    )
    log_action(
        action="commitment.created",
        by=by,
        target=commitment,
        organisation_id=commitment.organisation_id,
        data={"idea_id": idea.pk, "due_on": due_on.isoformat()},
    )
    notify_followers(idea=idea, event="commitment", object_id=commitment.pk, site_url=site_url)
    return commitment


@transaction.atomic
def commitment_progress(
    *, commitment: Commitment, by: Any, text: str, status: str, site_url: str = ""
) -> CommitmentEvent:
    """Post progress, perhaps with a new status. Kept and dropped are final. Dropping needs the
    reason in the update. Everyone behind the idea is told."""
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if commitment.status not in OPEN_COMMITMENT:
        raise ValidationError(
            _("This commitment is %(status)s; its record is closed.")
            % {"status": commitment.get_status_display().lower()}
        )
    if status not in CommitmentStatus.values:
        raise ValidationError({"status": _("Choose where the commitment stands.")})
    body = required_text(text, field="text", empty=_("Say what has happened."), limit=4000)
    before = commitment.status
    kind = CommitmentEventKind.STATUS if status != before else CommitmentEventKind.PROGRESS
    event = CommitmentEvent.objects.create(
        commitment=commitment, kind=kind, text=body, status_before=before, status_after=status, by=by
    )
    if status != before:
        commitment.status = status
        commitment.finished_on = timezone.localdate() if status not in OPEN_COMMITMENT else None
        commitment.save(update_fields=["status", "finished_on"])
    log_action(
        action="commitment.progress",
        by=by,
        target=commitment,
        organisation_id=commitment.organisation_id,
        data={"status_before": before, "status_after": status},
    )
    notify_followers(idea=commitment.idea, event="progress", object_id=event.pk, site_url=site_url)
    return event


@transaction.atomic
def commitment_move_due(*, commitment: Commitment, by: Any, due_on: dt.date, reason: str) -> Commitment:
    """Move the due date, in public: the move and its reason join the history; the first date is
    still there to see."""
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if commitment.status not in OPEN_COMMITMENT:
        raise ValidationError(_("This commitment's record is closed."))
    if due_on == commitment.due_on:
        raise ValidationError({"due_on": _("That is already the due date.")})
    body = required_text(reason, field="reason", empty=_("Say why the date moves."), limit=1000)
    CommitmentEvent.objects.create(
        commitment=commitment,
        kind=CommitmentEventKind.DUE_DATE,
        text=_("Due date moved from %(before)s to %(after)s. %(reason)s")
        % {"before": commitment.due_on.strftime("%-d %B %Y"), "after": due_on.strftime("%-d %B %Y"), "reason": body},
        by=by,
    )
    log_action(
        action="commitment.due_moved",
        by=by,
        target=commitment,
        organisation_id=commitment.organisation_id,
        data={"before": commitment.due_on.isoformat(), "after": due_on.isoformat()},
    )
    commitment.due_on = due_on
    if due_on >= timezone.localdate():
        commitment.late_noticed_at = None  # late again later means told again
    commitment.save(update_fields=["due_on", "late_noticed_at"])
    return commitment


@transaction.atomic
def milestone_reach(*, milestone: Milestone, by: Any) -> Milestone:
    milestone = Milestone.objects.select_for_update().select_related("commitment").get(pk=milestone.pk)
    if milestone.commitment.status not in OPEN_COMMITMENT:
        raise ValidationError(_("This commitment's record is closed."))
    if milestone.reached_on is not None:
        raise ValidationError(_("This milestone is already reached."))
    milestone.reached_on = timezone.localdate()
    milestone.save(update_fields=["reached_on"])
    CommitmentEvent.objects.create(
        commitment=milestone.commitment, kind=CommitmentEventKind.MILESTONE, text=milestone.title, by=by
    )
    log_action(
        action="commitment.milestone_reached",
        by=by,
        target=milestone.commitment,
        organisation_id=milestone.commitment.organisation_id,
        data={"milestone_id": milestone.pk},
    )
    return milestone


def commitments_mark_late(*, today: dt.date | None = None, site_url: str = "") -> int:
    """Record every open commitment that has gone past its due date, once, and tell the people
    behind its idea. Run daily (`manage.py commitments_check`). Returns how many went late."""
    today = today or timezone.localdate()
    newly_late = 0
    candidates = Commitment.objects.filter(
        status__in=OPEN_COMMITMENT, due_on__lt=today, late_noticed_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            commitment = Commitment.objects.select_for_update().select_related("idea").get(pk=pk)
            still_late = commitment.status in OPEN_COMMITMENT and commitment.due_on < today
            if commitment.late_noticed_at is not None or not still_late:
                continue  # told already, kept, or its date moved since the list was read
            commitment.late_noticed_at = timezone.now()
            commitment.save(update_fields=["late_noticed_at"])
            CommitmentEvent.objects.create(
                commitment=commitment,
                kind=CommitmentEventKind.LATE,
                text=_("Due on %(date)s and not yet kept.") % {"date": commitment.due_on.strftime("%-d %B %Y")},
            )
            log_action(action="commitment.late", target=commitment, organisation_id=commitment.organisation_id)
            notify_followers(idea=commitment.idea, event="late", object_id=commitment.pk, site_url=site_url)
            newly_late += 1
    return newly_late
