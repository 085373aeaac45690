"""Subscribing with double opt-in, confirming, preferences, unsubscribing, bounces and complaints,
and a newsletter's topics.

Nothing is sent to an address until someone who reads its mail follows the link we sent it, and
what the subscription form says never depends on the address's state: a person cannot learn from
the form whether someone else is subscribed. The links in each issue are signed (no expiry, since
they sit in every email kept), so a changed link is refused rather than acting on someone else.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from heard.core.crypto import token_digest
from heard.core.services import email_queue, log_action
from heard.core.slugs import unique_slug
from heard.core.text import required_text, without_control_characters
from heard.publications.enums import SubscriberStatus, UndeliverableReason
from heard.publications.models import RESERVED_NEWSLETTER_SLUGS, Newsletter, NewsletterIssue, Subscriber, Topic
from heard.publications.personal import email_key
from heard.publications.selectors.newsletter import sole_choosers, waiting_for_confirmation

PREFERENCES_SALT = "publications.preferences"
UNSUBSCRIBE_SALT = "publications.unsubscribe"
# A confirmation link works for a week.
CONFIRM_MAX_AGE = dt.timedelta(days=7)
# The form emails one address at most once in this time, so it cannot be used to flood someone.
EMAIL_INTERVAL = dt.timedelta(minutes=10)
# Temporary bounces in a row after which an address is treated as undeliverable.
SOFT_BOUNCE_LIMIT = 3


def subscriber_token(subscriber: Subscriber, *, salt: str) -> str:
    return signing.Signer(salt=salt).sign(str(subscriber.pk))


def subscriber_links(subscriber: Subscriber, *, site_url: str) -> dict[str, str]:
    """The absolute links every email to a subscriber carries."""
    return {
        "preferences": site_url
        + reverse("publications:preferences", kwargs={"token": subscriber_token(subscriber, salt=PREFERENCES_SALT)}),
        "unsubscribe": site_url
        + reverse("publications:unsubscribe", kwargs={"token": subscriber_token(subscriber, salt=UNSUBSCRIBE_SALT)}),
    }


def _verified_addresses(user: Any) -> set[str]:
    from allauth.account.models import EmailAddress

    return {
        address.lower()
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    }


def _new_secret(subscriber: Subscriber, now: dt.datetime) -> str:
    secret = secrets.token_urlsafe(32)
    subscriber.confirm_digest = token_digest(secret)
    subscriber.confirm_sent_at = now
    return secret


@transaction.atomic
def subscription_request(
    *, newsletter: Newsletter, email: str, topics: list[Topic] | QuerySet[Topic], by: Any, site_url: str
) -> str:
    """Someone asked, through the form, for `email` to get `newsletter`. Returns what was done
    (for the log and tests; the page shown never depends on it):

    - a new address: it waits for confirmation and is emailed a link;
    - an address waiting for confirmation, or one that left or bounced: a fresh link (an older
      one stops working);
    - a subscribed address: an email saying so, with a link to its preferences — never a second
      confirmation;
    - an address that marked our email as spam: nothing, ever, from the form (its owner can come
      back from the preferences link in an email they kept);
    - any address emailed by the form in the last ten minutes: nothing.

    The form is open to anyone, so it changes nothing a subscriber chose: status and topics stay
    as they are until the confirmation link is used, and the topics asked for are kept apart
    (`pending_topics`) until then."""
    address = without_control_characters(email).strip()
    key = email_key(address)
    now = timezone.now()
    signed_in = getattr(by, "is_authenticated", False)
    owner = by if signed_in and address.lower() in _verified_addresses(by) else None
    subscriber = Subscriber.objects.select_for_update().filter(newsletter=newsletter, email_digest=key).first()
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(
                    newsletter=newsletter, email=address, email_digest=key, status=SubscriberStatus.PENDING, user=owner
                )
        except IntegrityError:
            # The same address, asked for twice at once: the other request emails it.
            return "raced"
        outcome = "pending"
    elif (
        subscriber.status == SubscriberStatus.UNDELIVERABLE
        and subscriber.undeliverable_reason == UndeliverableReason.COMPLAINT
    ):
        # They told their mail program our email is spam: the form must not restart it.
        log_action(
            action="newsletter.subscribe_refused",
            target=subscriber,
            organisation_id=newsletter.organisation_id,
            data={"reason": "complaint"},
        )
        return "complained"
    elif subscriber.confirm_sent_at is not None and now - subscriber.confirm_sent_at < EMAIL_INTERVAL:
        return "throttled"
    elif subscriber.status == SubscriberStatus.SUBSCRIBED:
        subscriber.confirm_sent_at = now
        if owner is not None and subscriber.user_id is None:
            subscriber.user = owner
        subscriber.save(update_fields=["confirm_sent_at", "user", "updated_at"])
        _email_already_subscribed(subscriber, address=address, site_url=site_url)
        log_action(
            action="newsletter.subscribe_repeated",
            target=subscriber,
            organisation_id=newsletter.organisation_id,
        )
        return "already_subscribed"
    elif subscriber.status == SubscriberStatus.PENDING:
        outcome = "pending_again"
        # Never confirmed, so nothing is lost: the address given now is the one written, in
        # case its capitalisation changed.
        subscriber.email = address
    else:
        # Unsubscribed, or undeliverable after bounces: it stays so until the link is used.
        outcome = "returning"
    if owner is not None:
        subscriber.user = owner
    secret = _new_secret(subscriber, now)
    subscriber.save()
    subscriber.pending_topics.set([topic for topic in topics if topic.newsletter_id == newsletter.pk])
    link = site_url + reverse("publications:confirm", kwargs={"token": secret})
    email_queue(
        to=address,
        subject=_("Confirm your subscription to %(name)s") % {"name": newsletter.name},
        text_body=render_to_string(
            "publications/newsletter/email/confirm.txt",
            {"newsletter": newsletter, "link": link, "days": CONFIRM_MAX_AGE.days},
        ),
        kind="newsletter_confirm",
        user=owner,
    )
    log_action(
        action="newsletter.subscribe_requested",
        target=subscriber,
        organisation_id=newsletter.organisation_id,
        data={"outcome": outcome},
    )
    return outcome


def _email_already_subscribed(subscriber: Subscriber, *, address: str, site_url: str) -> None:
    newsletter = subscriber.newsletter
    email_queue(
        to=address,
        subject=_("You already get %(name)s") % {"name": newsletter.name},
        text_body=render_to_string(
            "publications/newsletter/email/already_subscribed.txt",
            {"newsletter": newsletter, "links": subscriber_links(subscriber, site_url=site_url)},
        ),
        kind="newsletter_already_subscribed",
        user=subscriber.user,
    )


def confirmation_problem(subscriber: Subscriber | None, *, now: dt.datetime | None = None) -> str:
    """Why a confirmation link cannot be used: "unknown" (never sent, or already used),
    "expired", or "" when it can."""
    if subscriber is None:
        return "unknown"
    sent = subscriber.confirm_sent_at
    if sent is None or (now or timezone.now()) - sent > CONFIRM_MAX_AGE:
        return "expired"
    return ""


@transaction.atomic
def subscription_confirm(*, secret: str) -> Subscriber:
    """The link in the confirmation email was followed and its button pressed: from now on the
    address gets the newsletter, with the topics asked for with that link."""
    subscriber = (
        waiting_for_confirmation().select_for_update().filter(confirm_digest=token_digest(secret)).first()
        if secret
        else None
    )
    problem = confirmation_problem(subscriber)
    if problem == "unknown":
        raise ValidationError(_("This link has been used already, or it is not complete."), code="unknown")
    if problem == "expired":
        raise ValidationError(_("This link has expired: links work for 7 days."), code="expired")
    assert subscriber is not None  # noqa: S101 - confirmation_problem() said so; this tells the type checker
    now = timezone.now()
    returning = subscriber.status != SubscriberStatus.PENDING
    subscriber.status = SubscriberStatus.SUBSCRIBED
    subscriber.confirmed_at = now
    subscriber.confirm_digest = ""
    subscriber.unsubscribed_at = None
    subscriber.undeliverable_reason = ""
    subscriber.soft_bounces = 0
    subscriber.soft_bounced_at = None
    subscriber.save(
        update_fields=[
            "status",
            "confirmed_at",
            "confirm_digest",
            "unsubscribed_at",
            "undeliverable_reason",
            "soft_bounces",
            "soft_bounced_at",
            "updated_at",
        ]
    )
    subscriber.topics.set(list(subscriber.pending_topics.all()))
    subscriber.pending_topics.clear()
    log_action(
        action="newsletter.subscribed",
        target=subscriber,
        organisation_id=subscriber.newsletter.organisation_id,
        data={"returning": True} if returning else None,
    )
    return subscriber


@transaction.atomic
def subscriber_topics_set(*, subscriber: Subscriber, topics: list[Topic] | QuerySet[Topic]) -> Subscriber:
    """The subscriber chose their topics on the preferences page (none: everything). Someone who
    has left keeps their choice for when they come back. A subscription still waiting for its
    confirmation has no preferences yet: its topics are the ones asked for with the link."""
    if subscriber.status == SubscriberStatus.PENDING:
        raise ValidationError(
            _("Your subscription is waiting for you to confirm it: follow the link in the email we sent you first.")
        )
    subscriber.topics.set([topic for topic in topics if topic.newsletter_id == subscriber.newsletter_id])
    log_action(
        action="newsletter.topics_chosen",
        target=subscriber,
        organisation_id=subscriber.newsletter.organisation_id,
        data={"topics": sorted(topic.pk for topic in topics)},
    )
    return subscriber


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber, one_click: bool = False) -> bool:
    """Stop sending to this subscriber: from the link in an email, its button, or the mail
    program's one-click unsubscribe (RFC 8058). Saying it twice changes nothing; returns whether
    this call changed anything."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        return False
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.unsubscribed_at = timezone.now()
    subscriber.confirm_digest = ""
    subscriber.save(update_fields=["status", "unsubscribed_at", "confirm_digest", "updated_at"])
    log_action(
        action="newsletter.unsubscribed",
        target=subscriber,
        organisation_id=subscriber.newsletter.organisation_id,
        data={"one_click": True} if one_click else None,
    )
    return True


@transaction.atomic
def subscriber_resubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Someone who left comes back from their preferences page. Their address was confirmed
    before, and the signed link proves they read its mail, so no new confirmation is needed."""
    subscriber = Subscriber.objects.select_for_update(of=("self",)).select_related("newsletter").get(pk=subscriber.pk)
    if subscriber.confirmed_at is None:
        raise ValidationError(_("Subscribe with the form on the newsletter's page, then follow the link we email you."))
    if subscriber.status == SubscriberStatus.SUBSCRIBED:
        return subscriber
    subscriber.status = SubscriberStatus.SUBSCRIBED
    subscriber.unsubscribed_at = None
    subscriber.undeliverable_reason = ""
    subscriber.soft_bounces = 0
    subscriber.soft_bounced_at = None
    # A request made through the form meanwhile is settled: they are back, with their own choices.
    subscriber.confirm_digest = ""
    subscriber.save(
        update_fields=[
            "status",
            "unsubscribed_at",
            "undeliverable_reason",
            "soft_bounces",
            "soft_bounced_at",
            "confirm_digest",
            "updated_at",
        ]
    )
    subscriber.pending_topics.clear()
    log_action(
        action="newsletter.resubscribed", target=subscriber, organisation_id=subscriber.newsletter.organisation_id
    )
    return subscriber


# --- Bounces and complaints (the mail provider's webhook) ----------------------------------------

DELIVERY_EVENT_LIMIT = 1000


def delivery_events_record(*, events: list[Any]) -> dict[str, int]:
    """Bounces and complaints reported by the mail provider. A permanent bounce or a complaint
    makes the address undeliverable on every newsletter; temporary bounces do after three in a
    row. A bounce must say which kind it is ("permanent" or "transient", in any case): one that
    does not is ignored rather than guessed. Returns counts of what was done. Each event is its
    own transaction, so one bad event does not undo the others."""
    counts = {"bounces": 0, "complaints": 0, "undeliverable": 0, "ignored": 0}
    for event in events[:DELIVERY_EVENT_LIMIT]:
        kind = event.get("type") if isinstance(event, dict) else None
        address = event.get("email") if isinstance(event, dict) else None
        if kind not in ("bounce", "complaint") or not isinstance(address, str) or "@" not in address:
            counts["ignored"] += 1
            continue
        if kind == "complaint":
            permanent = True
        else:
            severity = event.get("bounce")
            severity = severity.strip().lower() if isinstance(severity, str) else ""
            if severity not in ("permanent", "transient"):
                counts["ignored"] += 1
                continue
            permanent = severity == "permanent"
        counts["complaints" if kind == "complaint" else "bounces"] += 1
        counts["undeliverable"] += _address_bounced(
            key=email_key(address),
            reason=UndeliverableReason.COMPLAINT if kind == "complaint" else UndeliverableReason.BOUNCE,
            permanent=permanent,
        )
    return counts


@transaction.atomic
def _address_bounced(*, key: str, reason: str, permanent: bool) -> int:
    made_undeliverable = 0
    now = timezone.now()
    for subscriber in (
        Subscriber.objects.select_for_update(of=("self",)).select_related("newsletter").filter(email_digest=key)
    ):
        if subscriber.status == SubscriberStatus.UNDELIVERABLE:
            if reason == UndeliverableReason.COMPLAINT and subscriber.undeliverable_reason != reason:
                # A complaint weighs more than a bounce: the form must not start mail again.
                subscriber.undeliverable_reason = reason
                subscriber.confirm_digest = ""
                subscriber.save(update_fields=["undeliverable_reason", "confirm_digest", "updated_at"])
            continue
        if not permanent:
            subscriber.soft_bounces += 1
            subscriber.soft_bounced_at = now
            if subscriber.soft_bounces < SOFT_BOUNCE_LIMIT:
                subscriber.save(update_fields=["soft_bounces", "soft_bounced_at", "updated_at"])
                continue
        subscriber.status = SubscriberStatus.UNDELIVERABLE
        subscriber.undeliverable_reason = reason
        # A confirmation link sent before must not restart mail to it either.
        subscriber.confirm_digest = ""
        subscriber.save(
            update_fields=[
                "status",
                "undeliverable_reason",
                "soft_bounces",
                "soft_bounced_at",
                "confirm_digest",
                "updated_at",
            ]
        )
        log_action(
            action="newsletter.undeliverable",
            target=subscriber,
            organisation_id=subscriber.newsletter.organisation_id,
            data={"reason": reason},
        )
        made_undeliverable += 1
    return made_undeliverable


# --- A newsletter and its topics ------------------------------------------------------------------


def _newsletter_slug(name: str) -> str:
    """A new newsletter's slug: unique, and never one of the words its own pages use after
    /newsletters/ (a newsletter called "Manage" gets manage-newsletter)."""
    slug = unique_slug(Newsletter.objects.all(), name, fallback="newsletter", max_length=120)
    if slug in RESERVED_NEWSLETTER_SLUGS:
        slug = unique_slug(Newsletter.objects.all(), f"{slug} newsletter", max_length=120)
    return slug


@transaction.atomic
def newsletter_create(*, organisation: Any, by: Any, fields: dict[str, Any]) -> Newsletter:
    """Start a newsletter for an organisation. It has no subscribers until people sign up."""
    name = required_text(fields.get("name", ""), field="name", empty=_("Enter a name."), limit=120)
    newsletter = Newsletter.objects.create(
        organisation=organisation,
        name=name,
        slug=_newsletter_slug(name),
        description=without_control_characters(fields.get("description", "")).strip(),
        reply_to=(fields.get("reply_to") or "").strip(),
    )
    log_action(action="newsletter.created", by=by, target=newsletter, organisation_id=organisation.pk)
    return newsletter


@transaction.atomic
def newsletter_update(*, newsletter: Newsletter, by: Any, fields: dict[str, Any]) -> Newsletter:
    newsletter.name = required_text(fields.get("name", ""), field="name", empty=_("Enter a name."), limit=120)
    newsletter.description = without_control_characters(fields.get("description", "")).strip()
    newsletter.reply_to = (fields.get("reply_to") or "").strip()
    newsletter.save(update_fields=["name", "description", "reply_to", "updated_at"])
    log_action(action="newsletter.updated", by=by, target=newsletter, organisation_id=newsletter.organisation_id)
    return newsletter


def _topic_name(value: str) -> str:
    return required_text(value, field="name", empty=_("Enter the topic's name."), limit=120)


@transaction.atomic
def topic_add(*, newsletter: Newsletter, by: Any, name: str, description: str = "") -> Topic:
    """A topic subscribers can choose, so an issue can go only to the people who want it."""
    name = _topic_name(name)
    if Topic.objects.filter(newsletter=newsletter, name__iexact=name).exists():
        raise ValidationError({"name": _("This newsletter already has a topic with that name.")})
    last = Topic.objects.filter(newsletter=newsletter).order_by("-position").values_list("position", flat=True).first()
    topic = Topic.objects.create(
        newsletter=newsletter,
        name=name,
        slug=unique_slug(Topic.objects.filter(newsletter=newsletter), name, fallback="topic", max_length=120),
        description=without_control_characters(description).strip()[:300],
        position=0 if last is None else last + 1,
    )
    log_action(action="newsletter.topic_added", by=by, target=topic, organisation_id=newsletter.organisation_id)
    return topic


@transaction.atomic
def topic_rename(*, topic: Topic, by: Any, name: str, description: str = "") -> Topic:
    name = _topic_name(name)
    if Topic.objects.filter(newsletter_id=topic.newsletter_id, name__iexact=name).exclude(pk=topic.pk).exists():
        raise ValidationError({"name": _("This newsletter already has a topic with that name.")})
    topic.name = name
    topic.description = without_control_characters(description).strip()[:300]
    topic.save(update_fields=["name", "description"])
    log_action(action="newsletter.topic_renamed", by=by, target=topic, organisation_id=topic.newsletter.organisation_id)
    return topic


@transaction.atomic
def topic_remove(*, topic: Topic, by: Any) -> None:
    """Remove a topic nobody has been sent anything under and nobody chose as their only topic:
    without it, such a subscriber would have no topic left, which means everything, the opposite
    of what they asked for. Those who chose it among others keep their other topics."""
    used = NewsletterIssue.objects.filter(topic=topic)
    if used.filter(number__isnull=False).exists():
        raise ValidationError(_("Issues have been sent to this topic, so it stays in the archive. You can rename it."))
    if used.exists():
        raise ValidationError(_("A draft issue is for this topic. Choose another topic for it first."))
    only = sole_choosers(topic)
    if only:
        raise ValidationError(
            ngettext(
                "%(count)d subscriber chose only this topic: without it they would get everything. "
                "It stays; you can rename it.",
                "%(count)d subscribers chose only this topic: without it they would get everything. "
                "It stays; you can rename it.",
                only,
            )
            % {"count": only}
        )
    organisation_id = topic.newsletter.organisation_id
    log_action(
        action="newsletter.topic_removed",
        by=by,
        target=topic,
        organisation_id=organisation_id,
        data={"name": topic.name},
    )
    topic.delete()
