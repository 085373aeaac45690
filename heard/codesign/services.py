"""Writes about challenges and ideas: posing a challenge, proposing, supporting and discussing ideas,
shortlisting and merging them. Decisions and commitments are in `heard.codesign.delivery`."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.codesign import images
from heard.codesign.enums import CommentStatus, IdeaStatus, Participation, Phase
from heard.codesign.models import (
    MAX_COMMENT_TEXT,
    MAX_IDEA_TEXT,
    MAX_IDEA_TITLE,
    Challenge,
    ChallengeInvitee,
    Comment,
    CommentReport,
    Idea,
    IdeaMute,
    IdeaReport,
    Support,
)
from heard.codesign.notices import notify_followers
from heard.core.services import email_queue, log_action
from heard.core.slugs import unique_slug
from heard.core.text import required_text, without_control_characters

# Phases in which each thing may be done.
PROPOSING = (Phase.IDEAS,)
SUPPORTING = (Phase.IDEAS, Phase.DELIBERATION)
COMMENTING = (Phase.IDEAS, Phase.DELIBERATION)
SHORTLISTING = (Phase.IDEAS, Phase.DELIBERATION, Phase.DECISION)
MERGING = (Phase.IDEAS, Phase.DELIBERATION, Phase.DECISION)
# This many reports from different readers hold a comment back until a moderator looks at it.
REPORTS_TO_HOLD = 3


def _check_phase(challenge: Challenge, allowed: tuple[Phase, ...], doing: str) -> None:
    phase = challenge.phase
    if phase not in allowed:
        raise ValidationError(
            _("%(doing)s is not possible now: the challenge is in its “%(phase)s” phase.")
            % {"doing": doing, "phase": phase.label}
        )


def may_take_part(challenge: Challenge, user: Any) -> bool:
    """Whether this person may propose, support and comment (the phase is checked separately)."""
    if not getattr(user, "is_authenticated", False) or not challenge.is_published:
        return False
    if challenge.participation == Participation.OPEN:
        return True
    return ChallengeInvitee.objects.filter(challenge=challenge, email__iexact=user.email).exists()


def _check_taking_part(challenge: Challenge, user: Any) -> None:
    if not may_take_part(challenge, user):
        raise ValidationError(_("This challenge is open only to the people invited to it."))


# --- challenges ----------------------------------------------------------------------------------


def check_phase_dates(
    ideas_from: dt.datetime, deliberation_from: dt.datetime, decision_from: dt.datetime, delivery_from: dt.datetime
) -> None:
    errors = {}
    if deliberation_from <= ideas_from:
        errors["deliberation_from"] = _("Deliberation must start after ideas open.")
    if decision_from < deliberation_from:
        errors["decision_from"] = _("Decisions must start when deliberation ends or later.")
    if delivery_from < decision_from:
        errors["delivery_from"] = _("Delivery must start when decisions start or later.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def challenge_create(
    *,
    organisation: Any,
    by: Any,
    title: str,
    context: str,
    constraints: str = "",
    budget: Decimal | None = None,
    service: Any = None,
    area: Any = None,
    participation: str = Participation.OPEN,
    ideas_from: dt.datetime,
    deliberation_from: dt.datetime,
    decision_from: dt.datetime,
    delivery_from: dt.datetime,
    publish: bool = False,
    invitees: list[str] | None = None,
    site_url: str = "",
) -> Challenge:
    """A provider (or a convener) poses a challenge; it stays a draft until published. For a
    challenge by invitation, `invitees` are invited in the same step (all of it, or none)."""
    check_phase_dates(ideas_from, deliberation_from, decision_from, delivery_from)
    if service is not None and service.organisation_id != organisation.pk:
        raise ValidationError({"service": _("Choose one of your organisation's own services.")})
    challenge = Challenge(
        organisation=organisation,
        title=required_text(title, field="title", limit=200, empty=_("Write the question you are asking.")),
        slug=unique_slug(Challenge.objects.all(), title, fallback="challenge"),
        context=required_text(context, field="context", limit=10_000, empty=_("Say why you are asking.")),
        constraints=without_control_characters(constraints).strip(),
        budget=budget,
        service=service,
        area=area,
        participation=participation,
        ideas_from=ideas_from,
        deliberation_from=deliberation_from,
        decision_from=decision_from,
        delivery_from=delivery_from,
        published_at=timezone.now() if publish else None,
        created_by=by,
    )
    challenge.full_clean()
    challenge.save()
    log_action(action="challenge.created", by=by, target=challenge, organisation_id=organisation.pk)
    if participation == Participation.INVITED and invitees:
        challenge_invite(challenge=challenge, by=by, emails=invitees, site_url=site_url)
    return challenge


@transaction.atomic
def challenge_update(
    *,
    challenge: Challenge,
    by: Any,
    title: str,
    context: str,
    constraints: str,
    budget: Decimal | None,
    service: Any,
    area: Any,
    participation: str,
    ideas_from: dt.datetime,
    deliberation_from: dt.datetime,
    decision_from: dt.datetime,
    delivery_from: dt.datetime,
) -> Challenge:
    """Change what the challenge says or when its phases run. The web address stays the same."""
    check_phase_dates(ideas_from, deliberation_from, decision_from, delivery_from)
    if service is not None and service.organisation_id != challenge.organisation_id:
        raise ValidationError({"service": _("Choose one of your organisation's own services.")})
    moved = [
        name
        for name, value in (
            ("ideas_from", ideas_from),
            ("deliberation_from", deliberation_from),
            ("decision_from", decision_from),
            ("delivery_from", delivery_from),
        )
        if getattr(challenge, name) != value
    ]
    challenge.title = required_text(title, field="title", limit=200, empty=_("Write the question you are asking."))
    challenge.context = required_text(context, field="context", limit=10_000, empty=_("Say why you are asking."))
    challenge.constraints = without_control_characters(constraints).strip()
    challenge.budget = budget
    challenge.service = service
    challenge.area = area
    challenge.participation = participation
    challenge.ideas_from, challenge.deliberation_from = ideas_from, deliberation_from
    challenge.decision_from, challenge.delivery_from = decision_from, delivery_from
    challenge.full_clean()
    challenge.save()
    log_action(
        action="challenge.updated",
        by=by,
        target=challenge,
        organisation_id=challenge.organisation_id,
        data={"dates_moved": moved},
    )
    return challenge


@transaction.atomic
def challenge_publish(*, challenge: Challenge, by: Any) -> Challenge:
    if challenge.published_at is None:
        challenge.published_at = timezone.now()
        challenge.save(update_fields=["published_at", "updated_at"])
        log_action(action="challenge.published", by=by, target=challenge, organisation_id=challenge.organisation_id)
    return challenge


@transaction.atomic
def challenge_invite(*, challenge: Challenge, by: Any, emails: list[str], site_url: str = "") -> int:
    """Invite people by email to an invitation-only challenge; an address already invited is not
    emailed again. Returns how many were newly invited."""
    cleaned = []
    for raw in emails:
        address = raw.strip().lower()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {
                    "emails": _("“%(address)s” is not an email address. Check it and try again.")
                    % {"address": raw.strip()}
                }
            ) from None
        cleaned.append(address)
    known = set(ChallengeInvitee.objects.filter(challenge=challenge, email__in=cleaned).values_list("email", flat=True))
    new = sorted(set(cleaned) - known)
    ChallengeInvitee.objects.bulk_create(ChallengeInvitee(challenge=challenge, email=address) for address in new)
    for address in new:
        email_queue(
            to=address,
            subject=_("You are invited to help answer “%(title)s”") % {"title": challenge.title},
            text_body=render_to_string(
                "codesign/email/invitation.txt",
                {"challenge": challenge, "link": site_url + challenge.get_absolute_url()},
            ),
            kind="challenge_invitation",
        )
    log_action(
        action="challenge.invited",
        by=by,
        target=challenge,
        organisation_id=challenge.organisation_id,
        data={"count": len(new)},
    )
    return len(new)


# --- ideas ---------------------------------------------------------------------------------------


@transaction.atomic
def idea_propose(
    *,
    challenge: Challenge,
    by: Any,
    title: str,
    description: str,
    image: Any = None,
    image_alt: str = "",
) -> Idea:
    """A resident proposes an idea. It is public at once (readers can report it) and its author
    supports it."""
    _check_taking_part(challenge, by)
    _check_phase(challenge, PROPOSING, _("Proposing an idea"))
    idea = Idea(
        challenge=challenge,
        title=" ".join(
            required_text(title, field="title", limit=MAX_IDEA_TITLE, empty=_("Write your idea in a sentence.")).split()
        ),
        description=required_text(
            description, field="description", limit=MAX_IDEA_TEXT, empty=_("Tell us a little more about your idea.")
        ),
        author=by,
    )
    if image is not None:
        alt = without_control_characters(image_alt).strip()
        if not alt:
            raise ValidationError(
                {"image_alt": _("Say in a few words what the picture shows, for people who cannot see it.")}
            )
        idea.image_key = secrets.token_hex(16)
        idea.image_alt = alt[:200]
        content = images.idea_picture(image)  # raises ValidationError for anything but a picture
        idea.image.save(content.name or "picture", content, save=False)
    try:
        idea.save()
        Support.objects.create(idea=idea, user=by)
        Idea.objects.filter(pk=idea.pk).update(support_count=1)
        log_action(action="idea.proposed", by=by, target=idea, organisation_id=challenge.organisation_id)
    except Exception:
        if idea.image:
            idea.image.delete(save=False)  # no picture left behind without its idea
        raise
    idea.support_count = 1
    return idea


def _check_idea_open(idea: Idea) -> None:
    if idea.status == IdeaStatus.MERGED:
        raise ValidationError(_("This idea was merged into another one. Support that one instead."))
    if idea.status != IdeaStatus.PUBLISHED:
        raise ValidationError(_("This idea has been hidden by a moderator."))


def _locked_status(idea: Idea) -> Idea:
    """The idea as it stands now, its row locked until the transaction ends: a support or comment
    waits for a merge or a hide in progress, then sees its outcome."""
    idea.status = Idea.objects.select_for_update().values_list("status", flat=True).get(pk=idea.pk)
    return idea


@transaction.atomic
def idea_support(*, idea: Idea, by: Any) -> Support:
    _check_taking_part(idea.challenge, by)
    _check_phase(idea.challenge, SUPPORTING, _("Supporting an idea"))
    _check_idea_open(_locked_status(idea))
    try:
        with transaction.atomic():
            support = Support.objects.create(idea=idea, user=by)
    except IntegrityError:
        raise ValidationError(_("You already support this idea. Each person supports an idea once.")) from None
    Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") + 1)
    log_action(action="idea.supported", by=by, target=idea, organisation_id=idea.challenge.organisation_id)
    return support


@transaction.atomic
def idea_withdraw_support(*, idea: Idea, by: Any) -> None:
    _check_phase(idea.challenge, SUPPORTING, _("Withdrawing a support"))
    deleted, _detail = Support.objects.filter(idea=idea, user=by).delete()
    if not deleted:
        raise ValidationError(_("You do not support this idea, so there is nothing to withdraw."))
    Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") - 1)
    log_action(action="idea.support_withdrawn", by=by, target=idea, organisation_id=idea.challenge.organisation_id)


@transaction.atomic
def idea_shortlist(*, idea: Idea, by: Any, shortlisted: bool) -> Idea:
    """Put an idea on (or take it off) the list the provider will decide on."""
    _check_phase(idea.challenge, SHORTLISTING, _("Changing the shortlist"))
    if shortlisted:
        _check_idea_open(idea)
    if not shortlisted and idea.decisions.exists():
        raise ValidationError(_("This idea has a published decision, so it stays on the shortlist."))
    idea.shortlisted = shortlisted
    idea.save(update_fields=["shortlisted"])
    log_action(
        action="idea.shortlisted" if shortlisted else "idea.unshortlisted",
        by=by,
        target=idea,
        organisation_id=idea.challenge.organisation_id,
    )
    return idea


@transaction.atomic
def idea_hide(*, idea: Idea, by: Any, reason: str) -> Idea:
    if idea.status == IdeaStatus.MERGED:
        raise ValidationError(_("A merged idea is already out of the list."))
    if idea.decisions.exists():
        raise ValidationError(_("This idea has a published decision, so it stays on show."))
    idea.status = IdeaStatus.HIDDEN
    idea.hidden_reason = required_text(reason, field="reason", limit=300, empty=_("Say why the idea is hidden."))
    idea.shortlisted = False
    idea.save(update_fields=["status", "hidden_reason", "shortlisted"])
    IdeaReport.objects.filter(idea=idea, resolved_at__isnull=True).update(resolved_at=timezone.now())
    log_action(action="idea.hidden", by=by, target=idea, organisation_id=idea.challenge.organisation_id)
    return idea


@transaction.atomic
def idea_restore(*, idea: Idea, by: Any) -> Idea:
    if idea.status != IdeaStatus.HIDDEN:
        raise ValidationError(_("Only a hidden idea can be shown again."))
    idea.status = IdeaStatus.PUBLISHED
    idea.hidden_reason = ""
    idea.save(update_fields=["status", "hidden_reason"])
    log_action(action="idea.restored", by=by, target=idea, organisation_id=idea.challenge.organisation_id)
    return idea


def idea_merge_rows(*, source: Idea, target: Idea) -> None:
    """The rows a merge moves: supporters of `source` now support `target` (anyone who backed both
    counted once), its comments move too, the counters are recounted, and `source` points to
    `target`. `idea_merge` checks and records a merge; this only moves the rows."""
    already = Support.objects.filter(idea=target).values("user_id")
    Support.objects.filter(idea=source).exclude(user_id__in=already).update(idea=target)
    Support.objects.filter(idea=source).delete()  # the people who supported both
    Comment.objects.filter(idea=source).update(idea=target)
    target.support_count = Support.objects.filter(idea=target).count()
    target.comment_count = Comment.objects.filter(idea=target, status=CommentStatus.PUBLISHED).count()
    target.shortlisted = target.shortlisted or source.shortlisted
    target.save(update_fields=["support_count", "comment_count", "shortlisted"])
    source.status = IdeaStatus.MERGED
    source.merged_into = target
    source.support_count = 0
    source.comment_count = 0
    source.shortlisted = False
    source.save(update_fields=["status", "merged_into", "support_count", "comment_count", "shortlisted"])


@transaction.atomic
def idea_merge(*, source: Idea, target: Idea, by: Any, site_url: str = "") -> Idea:
    """Merge a duplicate into another idea of the same challenge. Its supporters now support the
    target, each counted once however many of the two they supported; its comments move with it;
    the duplicate stays readable, pointing to the target."""
    # Lock both rows in a fixed order, so two merges at once cannot cross.
    locked = {
        idea.pk: idea for idea in Idea.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    if source.pk == target.pk:
        raise ValidationError({"target": _("An idea cannot be merged into itself. Choose a different idea.")})
    source, target = locked[source.pk], locked[target.pk]
    if source.challenge_id != target.challenge_id:
        raise ValidationError({"target": _("Both ideas must belong to the same challenge.")})
    _check_phase(source.challenge, MERGING, _("Merging ideas"))
    if source.status == IdeaStatus.MERGED:
        raise ValidationError(_("This idea was already merged into another one."))
    if source.status != IdeaStatus.PUBLISHED:
        raise ValidationError(_("This idea is hidden. A hidden idea stays out of sight rather than being merged."))
    if target.status == IdeaStatus.MERGED:
        raise ValidationError(
            {"target": _("That idea was itself merged into another one. Merge into the idea it now points to.")}
        )
    if target.status != IdeaStatus.PUBLISHED:
        raise ValidationError({"target": _("That idea is hidden. Merge into an idea people can see.")})
    if source.decisions.exists():
        raise ValidationError(_("This idea has a published decision, so it cannot be merged away."))
    if target.decisions.exists():
        raise ValidationError(
            {"target": _("That idea already has a published decision. Merge duplicates before deciding.")}
        )

    idea_merge_rows(source=source, target=target)
    log_action(
        action="idea.merged",
        by=by,
        target=source,
        organisation_id=source.challenge.organisation_id,
        data={"into": target.pk, "supporters_now": target.support_count},
    )
    notify_followers(idea=target, event="merged", object_id=source.pk, site_url=site_url)
    return target


# --- comments ------------------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, idea: Idea, by: Any, text: str, parent: Comment | None = None) -> Comment:
    _check_taking_part(idea.challenge, by)
    _check_phase(idea.challenge, COMMENTING, _("Commenting"))
    _check_idea_open(_locked_status(idea))
    if parent is not None:
        if parent.idea_id != idea.pk:
            raise ValidationError(_("You can only reply to a comment on this idea."))
        # Threads are one level deep: a reply to a reply joins the thread it is in.
        parent = parent.parent if parent.parent_id else parent
        if parent is None or parent.status != CommentStatus.PUBLISHED:
            raise ValidationError(_("That comment is no longer on show, so it cannot be answered."))
    comment = Comment.objects.create(
        idea=idea,
        parent=parent,
        author=by,
        text=required_text(text, field="text", limit=MAX_COMMENT_TEXT, empty=_("Write your comment.")),
    )
    Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
    log_action(action="idea.commented", by=by, target=comment, organisation_id=idea.challenge.organisation_id)
    return comment


@transaction.atomic
def comment_report(*, comment: Comment, by: Any, reason: str) -> CommentReport:
    """A reader reports a comment. After REPORTS_TO_HOLD reports from different people it is held
    back until a moderator looks at it."""
    if comment.status != CommentStatus.PUBLISHED:
        raise ValidationError(_("This comment is already with a moderator."))
    try:
        with transaction.atomic():
            report = CommentReport.objects.create(comment=comment, reporter=by, reason=reason)
    except IntegrityError:
        raise ValidationError(_("You have already reported this comment. A moderator will look at it.")) from None
    open_reports = CommentReport.objects.filter(comment=comment, resolved_at__isnull=True).count()
    if open_reports >= REPORTS_TO_HOLD:
        held = Comment.objects.filter(pk=comment.pk, status=CommentStatus.PUBLISHED).update(status=CommentStatus.HELD)
        if held:  # only the report that held it takes it out of the count
            Idea.objects.filter(pk=comment.idea_id).update(comment_count=F("comment_count") - 1)
    log_action(
        action="comment.reported",
        by=by,
        target=comment,
        organisation_id=comment.idea.challenge.organisation_id,
        data={"reason": reason},
    )
    return report


@transaction.atomic
def idea_report(*, idea: Idea, by: Any, reason: str) -> IdeaReport:
    """A reader reports an idea. A moderator decides: an idea carries other people's support, so
    reports never hide it by themselves."""
    if idea.status != IdeaStatus.PUBLISHED:
        raise ValidationError(_("This idea is no longer on show."))
    try:
        with transaction.atomic():
            report = IdeaReport.objects.create(idea=idea, reporter=by, reason=reason)
    except IntegrityError:
        raise ValidationError(_("You have already reported this idea. A moderator will look at it.")) from None
    log_action(
        action="idea.reported",
        by=by,
        target=idea,
        organisation_id=idea.challenge.organisation_id,
        data={"reason": reason},
    )
    return report


@transaction.atomic
def idea_reports_resolve(*, idea: Idea, by: Any) -> int:
    """A moderator read the reports and keeps the idea on show."""
    resolved = IdeaReport.objects.filter(idea=idea, resolved_at__isnull=True).update(resolved_at=timezone.now())
    log_action(action="idea.kept", by=by, target=idea, organisation_id=idea.challenge.organisation_id)
    return resolved


@transaction.atomic
def idea_emails_stop(*, idea: Idea, by: Any) -> None:
    """Stop the emails about one idea (its decision, commitment and progress) for this person."""
    IdeaMute.objects.get_or_create(idea=idea, user=by)


@transaction.atomic
def idea_emails_resume(*, idea: Idea, by: Any) -> None:
    IdeaMute.objects.filter(idea=idea, user=by).delete()


@transaction.atomic
def comment_moderate(*, comment: Comment, by: Any, show: bool) -> Comment:
    """A moderator keeps a reported comment on show, or hides it; its reports are resolved."""
    comment.status = Comment.objects.select_for_update().values_list("status", flat=True).get(pk=comment.pk)
    was_shown = comment.status == CommentStatus.PUBLISHED
    comment.status = CommentStatus.PUBLISHED if show else CommentStatus.HIDDEN
    comment.moderated_by = by
    comment.moderated_at = timezone.now()
    comment.save(update_fields=["status", "moderated_by", "moderated_at"])
    if was_shown != show:
        Idea.objects.filter(pk=comment.idea_id).update(comment_count=F("comment_count") + (1 if show else -1))
    CommentReport.objects.filter(comment=comment, resolved_at__isnull=True).update(resolved_at=timezone.now())
    log_action(
        action="comment.kept" if show else "comment.hidden",
        by=by,
        target=comment,
        organisation_id=comment.idea.challenge.organisation_id,
    )
    return comment


@transaction.atomic
def challenge_start_conversation(*, challenge: Challenge, by: Any) -> Any:
    """Start an opinion map (heard.conversations) whose statements are the shortlisted ideas, open
    until decisions start, so the provider sees where people agree before deciding."""
    from heard.conversations.models import MAX_STATEMENT_LENGTH
    from heard.conversations.services import conversation_create

    if challenge.conversation_id is not None:
        raise ValidationError(_("This challenge already has an opinion map."))
    titles = list(
        Idea.objects.filter(challenge=challenge, status=IdeaStatus.PUBLISHED, shortlisted=True)
        .order_by("-support_count", "pk")
        .values_list("title", flat=True)
    )
    if len(titles) < 3:
        raise ValidationError(_("Shortlist at least three ideas first: people vote on each of them."))
    now = timezone.now()
    closes = challenge.decision_from if challenge.decision_from > now else now + dt.timedelta(days=14)
    conversation = conversation_create(
        organisation=challenge.organisation,
        by=by,
        topic=challenge.title,
        description=_("The shortlisted ideas of the challenge “%(title)s”. Say which you agree with.")
        % {"title": challenge.title},
        participants_can_add=True,
        opens_at=now,
        closes_at=closes,
        service=challenge.service,
        seed_statements=[title[:MAX_STATEMENT_LENGTH] for title in titles],
    )
    challenge.conversation = conversation
    challenge.save(update_fields=["conversation", "updated_at"])
    log_action(
        action="challenge.conversation_started",
        by=by,
        target=challenge,
        organisation_id=challenge.organisation_id,
        data={"conversation_id": conversation.pk, "statements": len(titles)},
    )
    return conversation
