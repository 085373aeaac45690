"""Writes about stories: telling one, confirming it, and the moderation decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import email_queue, log_action
from heard.core.text import without_control_characters
from heard.directory.models import Service
from heard.voice.enums import Frequency, StoryStatus
from heard.voice.models import (
    Change,
    NotificationSettings,
    Response,
    Story,
    StoryFollow,
    StoryReport,
    Subscription,
)

CONFIRM_SALT = "heard.voice.story-confirm"
CONFIRM_MAX_AGE = dt.timedelta(days=7)


def _author_email(story: Story) -> str:
    if story.author_id and story.author and story.author.is_active:
        return story.author.email
    return story.author_email


def _email_wishes(people: list[Any]) -> Callable[[Any, str], bool]:
    """Whether each of these people wants a kind of email, their settings read in one query.
    Everything is on by default; someone without an account gave their address for exactly these
    emails."""
    chosen = {s.user_id: s for s in NotificationSettings.objects.filter(user__in=[p for p in people if p])}

    def wants(user: Any, setting: str) -> bool:
        if user is None:
            return True
        settings = chosen.get(user.pk)
        return settings is None or getattr(settings, setting)

    return wants


def confirmation_token(story: Story) -> str:
    return signing.dumps(story.pk, salt=CONFIRM_SALT)


@transaction.atomic
def story_submit(
    *,
    service: Service,
    by: Any,
    title: str,
    text: str,
    rating_overall: int,
    listened: str,
    rating_access: int | None = None,
    rating_respect: int | None = None,
    rating_outcome: int | None = None,
    author_email: str = "",
    author_name: str = "",
    site_url: str = "",
    confirm_email: bool = True,
    via_token: int | None = None,
) -> Story:
    """Take a resident's story. With an account it waits to be checked; without one it first
    waits for the author to follow the link we email them, so no one can write in another's name.

    A program holding an API token (`via_token`) answers for its own users: its stories skip the
    link (`confirm_email=False`) unless the token asks for it, and need no address at all."""
    signed_in = bool(getattr(by, "is_authenticated", False))
    needs_confirming = not signed_in and confirm_email
    if needs_confirming and not author_email:
        raise ValidationError({"author_email": _("Enter your email address so we can check it is you.")})
    story = Story(
        service=service,
        author=by if signed_in else None,
        author_email="" if signed_in else author_email.strip().lower(),
        author_name=(without_control_characters(author_name).strip() or (by.display_name if signed_in else ""))[:80],
        title=without_control_characters(title).strip(),
        text=without_control_characters(text).strip(),
        rating_overall=rating_overall,
        rating_access=rating_access,
        rating_respect=rating_respect,
        rating_outcome=rating_outcome,
        listened=listened,
        status=StoryStatus.UNCONFIRMED if needs_confirming else StoryStatus.PENDING,
    )
    # The ratings' validators check their range here; the database's constraints need not be
    # asked again before the insert (they still hold it).
    story.full_clean(validate_constraints=False)
    story.save()
    log_action(
        action="story.submitted",
        by=by,
        target=story,
        organisation_id=service.organisation_id,
        data={"api_token": via_token} if via_token else None,
    )
    if needs_confirming:
        link = site_url + reverse("voice:confirm", kwargs={"token": confirmation_token(story)})
        email_queue(
            to=story.author_email,
            subject=_("Confirm your story about %(service)s") % {"service": service.name},
            text_body=render_to_string("voice/email/confirm.txt", {"story": story, "link": link}),
            kind="story_confirm",
        )
    return story


@transaction.atomic
def story_confirm(*, token: str) -> Story:
    """The author followed the emailed link: the story goes to be checked."""
    try:
        pk = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ValidationError(_("This link has expired. Tell us your story again.")) from error
    except signing.BadSignature as error:
        raise ValidationError(_("This link is not right. Check you copied all of it.")) from error
    story = Story.objects.select_for_update().filter(pk=pk).first()
    if story is None:
        raise ValidationError(_("We could not find this story."))
    if story.status == StoryStatus.UNCONFIRMED:
        story.status = StoryStatus.PENDING
        story.save(update_fields=["status"])
        log_action(action="story.confirmed", target=story, organisation_id=story.service.organisation_id)
    return story


@transaction.atomic
def story_moderate(
    *,
    story: Story,
    by: Any,
    publish: bool,
    reason: str = "",
    note: str = "",
    published_text: str = "",
    site_url: str = "",
) -> Story:
    """Publish a story (perhaps with parts taken out) or decide not to, and tell the author why."""
    # Locked, so two moderators deciding at once cannot both decide (and both email the author).
    story = Story.objects.select_for_update(of=("self",)).select_related("service", "author").get(pk=story.pk)
    if story.status != StoryStatus.PENDING:
        raise ValidationError(_("This story has already been decided on."))
    if not publish and not reason:
        raise ValidationError({"reason": _("Choose why the story cannot be published.")})
    text = published_text.strip()
    if publish and text and text != story.text and not reason:
        raise ValidationError({"reason": _("Choose why you took part of the story out.")})
    now = timezone.now()
    story.status = StoryStatus.PUBLISHED if publish else StoryStatus.REJECTED
    story.published_text = text if publish and text != story.text else ""
    story.moderation_reason = reason
    story.moderation_note = note.strip()
    story.moderated_by = by
    story.moderated_at = now
    story.published_at = now if publish else None
    story.save()
    log_action(
        action="story.published" if publish else "story.rejected",
        by=by,
        target=story,
        organisation_id=story.service.organisation_id,
        data={"reason": reason, "redacted": bool(story.published_text)},
    )
    if publish:
        from heard.voice.tasks import notify_subscribers

        transaction.on_commit(lambda: notify_subscribers.enqueue(story_id=story.pk))
    recipient = _author_email(story)
    if recipient:
        email_queue(
            to=recipient,
            subject=(_("Your story is published") if publish else _("We could not publish your story")),
            text_body=render_to_string(
                "voice/email/outcome.txt", {"story": story, "link": site_url + story.get_absolute_url()}
            ),
            kind="story_outcome",
            user=story.author,
        )
    return story


def _notify_of_response(*, response: Response, site_url: str) -> None:
    """Tell the story's author and its followers (not the responder) that it was answered."""
    story = response.story
    follows = list(StoryFollow.objects.filter(story=story, user__is_active=True).select_related("user"))
    people = [follow.user for follow in follows] + ([story.author] if story.author_id else [])
    wants = _email_wishes(people)

    recipients: dict[str, Any] = {}
    author_email = _author_email(story)
    if author_email and wants(story.author, "my_story_answered"):
        recipients[author_email.lower()] = story.author
    for follow in follows:
        if follow.user_id != response.author_id and wants(follow.user, "followed_story_answered"):
            recipients.setdefault(follow.user.email.lower(), follow.user)
    body_context = {"response": response, "story": story, "link": site_url + story.get_absolute_url()}
    for address, user in recipients.items():
        email_queue(
            to=address,
            subject=_("%(organisation)s answered “%(title)s”")
            % {"organisation": response.organisation.name, "title": story.title},
            text_body=render_to_string("voice/email/response.txt", {**body_context, "is_author": user == story.author}),
            kind="story_response",
            user=user,
        )


@transaction.atomic
def response_create(*, story: Story, by: Any, text: str, status: str, site_url: str = "") -> Response:
    """The provider answers a published story in public; the author and followers are told."""
    if story.status != StoryStatus.PUBLISHED:
        raise ValidationError(_("Only a published story can be answered."))
    response = Response(
        story=story,
        organisation=story.service.organisation,
        author=by,
        text=without_control_characters(text).strip(),
        status=status,
    )
    response.full_clean()
    response.save()
    log_action(
        action="story.responded",
        by=by,
        target=response,
        organisation_id=response.organisation_id,
        data={"story_id": story.pk, "status": status},
    )
    _notify_of_response(response=response, site_url=site_url)
    return response


@transaction.atomic
def story_follow(*, story: Story, by: Any) -> StoryFollow:
    """Ask to be emailed when a story is answered."""
    follow, _created = StoryFollow.objects.get_or_create(story=story, user=by)
    return follow


@transaction.atomic
def story_unfollow(*, story: Story, by: Any) -> None:
    StoryFollow.objects.filter(story=story, user=by).delete()


@transaction.atomic
def change_record(
    *,
    service: Service,
    by: Any,
    title: str,
    changed_on: dt.date,
    description: str = "",
    stories: list[Story] | None = None,
    site_url: str = "",
) -> Change:
    """ "You said, we did": record what a provider changed, linked to the stories behind it, and
    tell those stories' authors."""
    stories = stories or []
    foreign = [story for story in stories if story.service_id != service.pk or story.status != StoryStatus.PUBLISHED]
    if foreign:
        raise ValidationError({"stories": _("Link only published stories about this service.")})
    change = Change(
        service=service,
        title=without_control_characters(title).strip(),
        description=without_control_characters(description).strip(),
        changed_on=changed_on,
        created_by=by,
    )
    change.full_clean()
    change.save()
    change.stories.set(stories)
    log_action(
        action="change.recorded",
        by=by,
        target=change,
        organisation_id=service.organisation_id,
        data={"stories": [story.pk for story in stories]},
    )
    # The authors and their email settings in two queries, however many stories are linked.
    stories = list(Story.objects.filter(pk__in=[story.pk for story in stories]).select_related("author"))
    wants = _email_wishes([story.author for story in stories])
    for story in stories:
        recipient = _author_email(story)
        if recipient and wants(story.author, "my_story_answered"):
            email_queue(
                to=recipient,
                subject=_("Your story helped change %(service)s") % {"service": service.name},
                text_body=render_to_string(
                    "voice/email/change.txt",
                    {
                        "change": change,
                        "story": story,
                        "link": site_url + reverse("voice:service_stories", kwargs={"slug": service.slug}),
                    },
                ),
                kind="story_change",
                user=story.author,
            )
    return change


@transaction.atomic
def story_report(*, story: Story, by: Any, reason: str, detail: str = "") -> StoryReport:
    """A reader flags a published story for the moderators to look at again."""
    report = StoryReport(
        story=story,
        reason=reason,
        detail=detail.strip(),
        reporter=by if getattr(by, "is_authenticated", False) else None,
    )
    report.full_clean()
    report.save()
    log_action(action="story.reported", by=by, target=story, data={"reason": reason})
    return report


@transaction.atomic
def story_reports_resolve(
    *, story: Story, by: Any, take_down: bool, reason: str = "", note: str = "", site_url: str = ""
) -> Story:
    """Look again at a reported story: keep it, or take it down and tell the author why."""
    story = Story.objects.select_for_update(of=("self",)).select_related("service", "author").get(pk=story.pk)
    if story.status != StoryStatus.PUBLISHED:
        raise ValidationError({"decision": _("This story is no longer published.")})
    if take_down:
        if not reason:
            raise ValidationError({"reason": _("Choose why the story is taken down.")})
        story.status = StoryStatus.REJECTED
        story.moderation_reason = reason
        story.moderation_note = note.strip()
        story.moderated_by = by
        story.moderated_at = timezone.now()
        story.save(update_fields=["status", "moderation_reason", "moderation_note", "moderated_by", "moderated_at"])
        recipient = _author_email(story)
        if recipient:
            email_queue(
                to=recipient,
                subject=_("We have taken your story down"),
                text_body=render_to_string(
                    "voice/email/outcome.txt", {"story": story, "taken_down": True, "link": site_url}
                ),
                kind="story_taken_down",
                user=story.author,
            )
    StoryReport.objects.filter(story=story, resolved_at__isnull=True).update(resolved_at=timezone.now())
    log_action(
        action="story.taken_down" if take_down else "story.reports_dismissed",
        by=by,
        target=story,
        organisation_id=story.service.organisation_id,
        data={"reason": reason},
    )
    return story


def _subscriptions_matching(story: Story) -> Any:
    """Subscriptions to the story's service, or to an area the service serves (or one that
    contains such an area)."""
    from django.db.models import Q

    areas = list(story.service.areas.select_related("parent__parent"))
    area_ids = set()
    for area in areas:
        area_ids.add(area.pk)
        if area.parent_id:
            area_ids.add(area.parent_id)
            if area.parent.parent_id:
                area_ids.add(area.parent.parent_id)
    return Subscription.objects.filter(Q(service=story.service) | Q(area__in=area_ids)).select_related("user")


def subscribers_notify(*, story_id: int, site_url: str = "") -> int:
    """Email staff who asked to hear straight away about new stories on this service or area.
    Returns how many were emailed."""
    story = (
        Story.objects.select_related("service__organisation").filter(pk=story_id, status=StoryStatus.PUBLISHED).first()
    )
    if story is None:
        return 0
    if story.service.is_private:
        return 0
    sent = set()
    for subscription in _subscriptions_matching(story).filter(frequency=Frequency.IMMEDIATE):
        user = subscription.user
        # Someone who has lost their staff role since subscribing hears no more.
        if not user.is_active or user.pk in sent or not user.has_perm("voice.subscribe"):
            continue
        sent.add(user.pk)
        email_queue(
            to=user.email,
            subject=_("New story about %(service)s: %(title)s") % {"service": story.service.name, "title": story.title},
            text_body=render_to_string(
                "voice/email/new_stories.txt", {"stories": [story], "site_url": site_url, "more": 0}
            ),
            kind="story_subscription",
            user=user,
        )
    return len(sent)


DIGEST_LIMIT = 50


def digests_send(*, now: dt.datetime | None = None, site_url: str = "") -> int:
    """The daily digest: for each person with daily subscriptions, one email listing the stories
    published since their last digest. Returns how many emails were queued."""
    from django.db.models import Q

    now = now or timezone.now()
    emails = 0
    by_user: dict[int, list[Subscription]] = {}
    for subscription in Subscription.objects.filter(frequency=Frequency.DAILY).select_related("user"):
        by_user.setdefault(subscription.user_id, []).append(subscription)
    for subscriptions in by_user.values():
        user = subscriptions[0].user
        condition = Q()
        for subscription in subscriptions:
            since = subscription.sent_up_to or subscription.created_at
            if subscription.service_id:
                condition |= Q(service_id=subscription.service_id, published_at__gt=since)
            else:
                area = subscription.area_id
                condition |= Q(published_at__gt=since) & (
                    Q(service__areas=area) | Q(service__areas__parent=area) | Q(service__areas__parent__parent=area)
                )
        with transaction.atomic():
            stories = (
                Story.objects.filter(
                    condition, status=StoryStatus.PUBLISHED, published_at__lte=now, service__is_private=False
                )
                .select_related("service")
                .distinct()
                .order_by("-published_at")
            )
            found = list(stories[: DIGEST_LIMIT + 1])
            if found and user.is_active and user.has_perm("voice.subscribe"):
                email_queue(
                    to=user.email,
                    subject=_("New stories about your services"),
                    text_body=render_to_string(
                        "voice/email/new_stories.txt",
                        {
                            "stories": found[:DIGEST_LIMIT],
                            "site_url": site_url,
                            "more": max(0, stories.count() - DIGEST_LIMIT),
                        },
                    ),
                    kind="story_digest",
                    user=user,
                )
                emails += 1
            Subscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(sent_up_to=now)
    return emails


@transaction.atomic
def subscription_add(*, by: Any, frequency: str, service: Service | None = None, area: Any = None) -> Subscription:
    """Ask to hear about new stories on a service or in an area."""
    if (service is None) == (area is None):
        raise ValidationError(_("Choose a service or an area."))
    subscription, created = Subscription.objects.get_or_create(
        user=by, service=service, area=area, defaults={"frequency": frequency, "sent_up_to": timezone.now()}
    )
    if not created and subscription.frequency != frequency:
        subscription.frequency = frequency
        # Start afresh: what was sent straight away must not come again in a digest.
        subscription.sent_up_to = timezone.now()
        subscription.save(update_fields=["frequency", "sent_up_to"])
    return subscription


@transaction.atomic
def subscription_remove(*, subscription: Subscription, by: Any) -> None:
    if subscription.user_id != by.pk:
        raise ValidationError(_("This is not your subscription."))
    subscription.delete()


@transaction.atomic
def notification_settings_save(*, by: Any, my_story_answered: bool, followed_story_answered: bool) -> None:
    NotificationSettings.objects.update_or_create(
        user=by,
        defaults={"my_story_answered": my_story_answered, "followed_story_answered": followed_story_answered},
    )
