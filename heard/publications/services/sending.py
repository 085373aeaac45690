"""Composing a newsletter issue and sending it in batches, at most once to each subscriber.

Sending an issue numbers it and, once that is committed, a task writes one Delivery row per
recipient (a unique constraint makes a repeated run add nobody twice) and hands them out in
batches to other tasks. A batch first claims its rows (queued → sending, committed), then sends
each with one mail connection and marks it sent straight after. A send that fails goes back to
the queue with a delay, and fails for good after three attempts; it is retried by
`manage.py newsletter_resume`, never by the batch itself, so the immediate task backend cannot
loop. A row a crash leaves in `sending` may or may not have gone: it is never sent again
automatically (the resume command marks it `unknown`), because twice is worse than not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import email_queue, log_action
from heard.core.text import required_text, without_control_characters
from heard.publications.enums import DeliveryStatus, IssueStatus, SubscriberStatus
from heard.publications.markdown import render
from heard.publications.models import Delivery, Newsletter, NewsletterIssue, Subscriber
from heard.publications.selectors.newsletter import IssueContent, content_of, issue_content, recipients
from heard.publications.services.newsletter import subscriber_links

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# A failed send waits this long times the attempts so far before it is tried again.
RETRY_BACKOFF = dt.timedelta(minutes=5)
# A row claimed longer ago than this and still `sending` was interrupted by a crash.
STALE_CLAIM = dt.timedelta(minutes=15)


def batch_size() -> int:
    return max(1, int(getattr(settings, "NEWSLETTER_BATCH_SIZE", 100) or 100))


# --- Composing ------------------------------------------------------------------------------------


@transaction.atomic
def issue_save(
    *, newsletter: Newsletter, by: Any, fields: dict[str, Any], issue: NewsletterIssue | None = None
) -> NewsletterIssue:
    """Save a draft issue: its subject, introduction (Markdown, rendered and sanitised), topic,
    and the publications and events it features. A sent issue can no longer change."""
    if issue is not None:
        issue = NewsletterIssue.objects.select_for_update().get(pk=issue.pk)
        if issue.status != IssueStatus.DRAFT:
            raise ValidationError(_("This issue has been sent, so it can no longer be changed."))
    topic = fields.get("topic")
    if topic is not None and topic.newsletter_id != newsletter.pk:
        raise ValidationError({"topic": _("Choose one of this newsletter's topics.")})
    subject = required_text(fields.get("subject", ""), field="subject", empty=_("Enter a subject."), limit=200)
    intro = without_control_characters(fields.get("intro", "")).strip()
    created = issue is None
    if issue is None:
        issue = NewsletterIssue(newsletter=newsletter, created_by=by if getattr(by, "pk", None) else None)
    issue.subject = " ".join(subject.split())
    issue.intro = intro
    issue.intro_html = render(intro) if intro else ""
    issue.topic = topic
    issue.save()
    issue.publications.set(fields.get("publications") or [])
    issue.events.set(fields.get("events") or [])
    log_action(
        action="newsletter.issue_created" if created else "newsletter.issue_updated",
        by=by,
        target=issue,
        organisation_id=newsletter.organisation_id,
    )
    return issue


def _list_id(newsletter: Newsletter, site_url: str) -> str:
    host = urlsplit(site_url).hostname or "localhost"
    name = " ".join(newsletter.name.replace("<", "").replace(">", "").replace('"', "").split())
    return f'"{name}" <{newsletter.slug}.newsletters.{host}>'


def issue_context(
    *,
    newsletter: Newsletter,
    subject: str,
    intro: str,
    intro_html: str,
    topic: Any,
    content: IssueContent,
    site_url: str,
    links: dict[str, str] | None,
    web_url: str = "",
) -> dict[str, Any]:
    """What the issue's templates (email, web version, preview) are given."""
    return {
        "newsletter": newsletter,
        "subject": subject,
        "intro": intro,
        "intro_html": intro_html,
        "topic": topic,
        "publications": content.publications,
        "events": content.events,
        "site_url": site_url,
        "links": links,
        "web_url": web_url,
    }


def issue_preview(*, newsletter: Newsletter, fields: dict[str, Any]) -> dict[str, Any]:
    """The template context of an issue as the form has it, not saved: for the preview."""
    intro = without_control_characters(fields.get("intro") or "").strip()
    return issue_context(
        newsletter=newsletter,
        subject=" ".join((fields.get("subject") or "").split()),
        intro=intro,
        intro_html=render(intro) if intro else "",
        topic=fields.get("topic"),
        content=content_of(
            publication_ids=[publication.pk for publication in fields.get("publications") or []],
            event_ids=[event.pk for event in fields.get("events") or []],
        ),
        site_url="",
        links=None,
    )


def _render_email(context: dict[str, Any]) -> tuple[str, str]:
    return (
        render_to_string("publications/newsletter/email/issue.txt", context),
        render_to_string("publications/newsletter/email/issue.html", context),
    )


def issue_web_url(issue: NewsletterIssue, *, site_url: str) -> str:
    if issue.number is None:
        return ""
    return site_url + reverse("publications:issue", kwargs={"slug": issue.newsletter.slug, "number": issue.number})


def issue_message(
    *,
    issue: NewsletterIssue,
    subscriber: Subscriber,
    content: IssueContent,
    site_url: str,
    connection: Any = None,
) -> EmailMultiAlternatives:
    """The email of one issue to one subscriber, with their own preferences and unsubscribe links
    and the headers mail programs use for one-click unsubscribe (RFC 8058) and list filtering."""
    newsletter = issue.newsletter
    links = subscriber_links(subscriber, site_url=site_url)
    text, html = _render_email(
        issue_context(
            newsletter=newsletter,
            subject=issue.subject,
            intro=issue.intro,
            intro_html=issue.intro_html,
            topic=issue.topic,
            content=content,
            site_url=site_url,
            links=links,
            web_url=issue_web_url(issue, site_url=site_url),
        )
    )
    message = EmailMultiAlternatives(
        subject=issue.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscriber.email],
        reply_to=[newsletter.reply_to] if newsletter.reply_to else None,
        headers={
            "List-Unsubscribe": f"<{links['unsubscribe']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": _list_id(newsletter, site_url),
        },
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def issue_send_test(*, issue: NewsletterIssue, by: Any, site_url: str) -> None:
    """Email the issue, marked as a test, to the person composing it. It goes through the ordinary
    queue and leaves no delivery record; its footer links lead to the newsletter's page."""
    newsletter = issue.newsletter
    page = site_url + reverse("publications:newsletter", kwargs={"slug": newsletter.slug})
    text, html = _render_email(
        issue_context(
            newsletter=newsletter,
            subject=issue.subject,
            intro=issue.intro,
            intro_html=issue.intro_html,
            topic=issue.topic,
            content=issue_content(issue),
            site_url=site_url,
            links={"preferences": page, "unsubscribe": page},
        )
    )
    email_queue(
        to=by.email,
        subject=_("[Test] %(subject)s") % {"subject": issue.subject},
        text_body=text,
        html_body=html,
        kind="newsletter_test",
        user=by,
        headers={"Reply-To": newsletter.reply_to} if newsletter.reply_to else None,
    )
    log_action(action="newsletter.issue_tested", by=by, target=issue, organisation_id=newsletter.organisation_id)


# --- Sending --------------------------------------------------------------------------------------


@transaction.atomic
def issue_send(*, issue: NewsletterIssue, by: Any) -> NewsletterIssue:
    """Send a draft issue to everyone receiving it: it takes the next number of its newsletter
    and goes out in batches from background tasks."""
    from heard.publications import tasks

    # The newsletter's row is locked so two issues sent at once get different numbers.
    Newsletter.objects.select_for_update().filter(pk=issue.newsletter_id).first()
    issue = NewsletterIssue.objects.select_for_update().get(pk=issue.pk)
    if issue.status != IssueStatus.DRAFT:
        raise ValidationError(_("This issue has been sent already."))
    if not issue.intro and not issue.publications.exists() and not issue.events.exists():
        raise ValidationError(_("Write an introduction or choose something to feature before sending."))
    last = NewsletterIssue.objects.filter(newsletter_id=issue.newsletter_id).aggregate(last=Max("number"))["last"]
    issue.number = (last or 0) + 1
    issue.status = IssueStatus.SENDING
    issue.sending_started_at = timezone.now()
    issue.save(update_fields=["number", "status", "sending_started_at", "updated_at"])
    log_action(
        action="newsletter.issue_sent",
        by=by,
        target=issue,
        organisation_id=issue.newsletter.organisation_id,
        data={"number": issue.number},
    )
    issue_id = issue.pk
    transaction.on_commit(lambda: tasks.create_deliveries.enqueue(issue_id=issue_id))
    return issue


def deliveries_create(*, issue_id: int) -> int:
    """Write a delivery row for each recipient of an issue being sent, then hand them out in
    batches. Running it again adds nobody twice. Returns how many rows the issue has."""
    with transaction.atomic():
        issue = (
            NewsletterIssue.objects.select_for_update(of=("self",))
            .select_related("newsletter", "topic")
            .filter(pk=issue_id, status=IssueStatus.SENDING)
            .first()
        )
        if issue is None:
            return 0
        subscriber_ids = recipients(newsletter=issue.newsletter, topic=issue.topic).values_list("pk", flat=True)
        Delivery.objects.bulk_create(
            (Delivery(issue=issue, subscriber_id=pk) for pk in subscriber_ids.iterator(chunk_size=2000)),
            batch_size=1000,
            ignore_conflicts=True,
        )
        issue.recipients = Delivery.objects.filter(issue=issue).count()
        issue.save(update_fields=["recipients", "updated_at"])
        log_action(
            action="newsletter.deliveries_created",
            target=issue,
            organisation_id=issue.newsletter.organisation_id,
            data={"recipients": issue.recipients},
        )
        if issue.recipients == 0:
            _finish(issue)
            return 0
        transaction.on_commit(lambda: deliveries_dispatch(issue_id=issue_id))
    return issue.recipients


def _due(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.QUEUED) & (Q(retry_after__isnull=True) | Q(retry_after__lte=now))


def deliveries_dispatch(*, issue_id: int, now: dt.datetime | None = None) -> int:
    """Enqueue a batch task for each NEWSLETTER_BATCH_SIZE of the issue's rows that are due.
    Returns how many batches. With nothing due, the issue may be finished."""
    from heard.publications import tasks

    now = now or timezone.now()
    due = list(Delivery.objects.filter(_due(now), issue_id=issue_id).order_by("pk").values_list("pk", flat=True))
    size = batch_size()
    batches = [due[start : start + size] for start in range(0, len(due), size)]
    for delivery_ids in batches:
        tasks.send_batch.enqueue(issue_id=issue_id, delivery_ids=delivery_ids)
    if not batches:
        issue_finish_if_done(issue_id=issue_id)
    return len(batches)


def _claim(*, issue_id: int, delivery_ids: list[int], now: dt.datetime) -> list[Delivery]:
    """Mark this batch's due rows as being sent, and commit, before anything is sent: a row
    another worker holds is skipped, and a row claimed is never claimed again."""
    with transaction.atomic():
        candidates = Delivery.objects.filter(_due(now), issue_id=issue_id, pk__in=delivery_ids)
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING, claimed_at=now
        )
    return list(
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING, claimed_at=now)
        .select_related("subscriber")
        .order_by("pk")
    )


def _failed(delivery: Delivery, error: BaseException | None, now: dt.datetime) -> None:
    delivery.attempts += 1
    delivery.last_error = type(error).__name__[:200] if error is not None else "NotSent"
    delivery.claimed_at = None
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.retry_after = None
    else:
        delivery.status = DeliveryStatus.QUEUED
        delivery.retry_after = now + RETRY_BACKOFF * delivery.attempts
    delivery.save(update_fields=["attempts", "last_error", "claimed_at", "status", "retry_after"])


def batch_send(*, issue_id: int, delivery_ids: list[int], site_url: str | None = None) -> dict[str, int]:
    """Send one batch of an issue: claim its rows, then send each through one mail connection,
    marking each sent as soon as it has gone. Returns counts by outcome."""
    site_url = settings.HEARD_SITE_URL if site_url is None else site_url
    now = timezone.now()
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    issue = NewsletterIssue.objects.select_related("newsletter", "topic").filter(pk=issue_id).first()
    if issue is None or issue.status != IssueStatus.SENDING:
        return counts
    claimed = _claim(issue_id=issue_id, delivery_ids=delivery_ids, now=now)
    if not claimed:
        return counts
    content = issue_content(issue)
    mail = get_connection()
    try:
        mail.open()
    except Exception as error:  # noqa: BLE001 - the mail server is down: nothing went, all can be retried
        logger.warning("Newsletter batch of issue %s could not connect: %s", issue_id, type(error).__name__)
        for delivery in claimed:
            _failed(delivery, error, now)
        counts["failed"] = len(claimed)
        return counts
    try:
        for delivery in claimed:
            if delivery.subscriber.status != SubscriberStatus.SUBSCRIBED:
                # Unsubscribed or undeliverable since the issue was sent.
                delivery.status = DeliveryStatus.SKIPPED
                delivery.claimed_at = None
                delivery.save(update_fields=["status", "claimed_at"])
                counts["skipped"] += 1
                continue
            try:
                message = issue_message(
                    issue=issue, subscriber=delivery.subscriber, content=content, site_url=site_url, connection=mail
                )
                sent = message.send(fail_silently=False)
            except Exception as error:  # noqa: BLE001 - any failure is recorded and retried later
                logger.warning("Newsletter delivery %s failed: %s", delivery.pk, type(error).__name__)
                _failed(delivery, error, now)
                counts["failed"] += 1
                continue
            if not sent:
                _failed(delivery, None, now)
                counts["failed"] += 1
                continue
            delivery.status = DeliveryStatus.SENT
            delivery.attempts += 1
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["status", "attempts", "sent_at", "last_error"])
            counts["sent"] += 1
    finally:
        # Closing a broken connection must not undo the marks already made.
        with contextlib.suppress(Exception):
            mail.close()
    issue_finish_if_done(issue_id=issue_id)
    return counts


def _finish(issue: NewsletterIssue) -> None:
    issue.status = IssueStatus.SENT
    issue.sent_at = timezone.now()
    issue.save(update_fields=["status", "sent_at", "updated_at"])
    counts = dict(
        Delivery.objects.filter(issue=issue).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    log_action(
        action="newsletter.issue_delivered",
        target=issue,
        organisation_id=issue.newsletter.organisation_id,
        data={"deliveries": counts},
    )


@transaction.atomic
def issue_finish_if_done(*, issue_id: int) -> bool:
    """Mark an issue sent once none of its rows is queued or being sent."""
    issue = (
        NewsletterIssue.objects.select_for_update(of=("self",))
        .select_related("newsletter")
        .filter(pk=issue_id, status=IssueStatus.SENDING)
        .first()
    )
    if issue is None:
        return False
    rows = Delivery.objects.filter(issue=issue)
    # No rows at all: they have not been written yet (deliveries_create finishes an issue with
    # no recipients itself).
    if not rows.exists() or rows.filter(status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENDING)).exists():
        return False
    _finish(issue)
    return True


def deliveries_resume(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Pick up issues whose sending stopped part way (`manage.py newsletter_resume`):

    - rows left `sending` for more than 15 minutes are marked `unknown`, never sent again;
    - an issue whose rows were never written gets them written;
    - rows waiting for a retry that is due are handed out in batches again;
    - an issue with nothing left to send is marked sent."""
    from heard.publications import tasks

    now = now or timezone.now()
    result = {"interrupted": 0, "issues": 0, "batches": 0}
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    for issue_id in stale.order_by().values_list("issue_id", flat=True).distinct():
        with transaction.atomic():
            marked = Delivery.objects.filter(
                issue_id=issue_id, status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
            ).update(status=DeliveryStatus.UNKNOWN)
            issue = NewsletterIssue.objects.select_related("newsletter").get(pk=issue_id)
            log_action(
                action="newsletter.deliveries_interrupted",
                target=issue,
                organisation_id=issue.newsletter.organisation_id,
                data={"rows": marked},
            )
        result["interrupted"] += marked
    sending = NewsletterIssue.objects.filter(status=IssueStatus.SENDING).values_list("pk", "sending_started_at")
    for issue_id, started in sending:
        result["issues"] += 1
        if not Delivery.objects.filter(issue_id=issue_id).exists():
            # Its rows were never written (the task was lost): write them, unless the task may
            # simply not have run yet.
            if started is None or started < now - STALE_CLAIM:
                tasks.create_deliveries.enqueue(issue_id=issue_id)
            continue
        result["batches"] += deliveries_dispatch(issue_id=issue_id, now=now)
    return result
