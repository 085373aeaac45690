"""Composing a newsletter issue and sending it in batches, at most once to each subscriber.

Sending an issue numbers it and, once that is committed, a task writes one Delivery row per
recipient (a unique constraint makes a repeated run add nobody twice) and hands them out in
batches to other tasks, noting when each row was handed out. A batch first makes sure it can
reach the mail server, then claims its rows (queued → sending, with a random claim token,
committed), then sends each through one mail connection and marks it sent straight after.

What happens when a send goes wrong depends on whether the email may have gone:

- the mail server could not be reached at all: nothing went, so the rows go back to the queue
  for a few minutes without counting an attempt (an outage never uses up the attempts);
- the server said no (an SMTP reply): 4xx means "not now", so the row is tried again later, after
  15 minutes and then an hour, and given up after three attempts; 5xx means "never", so it fails
  at once;
- anything else (the connection dropped, a timeout, an unknown error) after the message was
  handed over: it may have arrived, so the row is marked `unknown` and never sent again.

Retries are made by `manage.py newsletter_resume`, never by the batch itself, so the immediate
task backend cannot loop. A row a crash leaves in `sending` may or may not have gone: it is never
sent again automatically (the resume command marks it `unknown`), because twice is worse than not
at all. Failed rows can be put back in the queue by hand (the issue's page, or
`newsletter_resume --retry-failed`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import secrets
import smtplib
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, F, Max, Q
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
# A send refused for now (an SMTP 4xx reply) waits this long, times 4 for each attempt after the
# first: 15 minutes, then an hour.
RETRY_BACKOFF = dt.timedelta(minutes=15)
# When the mail server cannot be reached, or a batch stops before trying some of its rows, those
# rows wait this long and lose no attempt.
CONNECTION_RETRY = dt.timedelta(minutes=5)
# A row claimed longer ago than this and still `sending` was interrupted by a crash.
STALE_CLAIM = dt.timedelta(minutes=15)
# A row handed to a batch task longer ago than this, and still queued, is handed out again: the
# task was lost (a duplicate finds nothing left to claim, so it costs a query, never an email).
STALE_DISPATCH = dt.timedelta(hours=1)


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


def issue_page_context(
    issue: NewsletterIssue,
    *,
    content: IssueContent | None = None,
    site_url: str = "",
    links: dict[str, str] | None = None,
    web_url: str = "",
) -> dict[str, Any]:
    """The template context of a saved issue. On a page (its web version, the publishers' view),
    as called with the issue alone: links stay relative and there are no personal links. In an
    email, given the site's address and the subscriber's links: the introduction's links are made
    absolute (`absolute_links`)."""
    intro_html, intro = absolute_links(html=issue.intro_html, text=issue.intro, site_url=site_url)
    return issue_context(
        newsletter=issue.newsletter,
        subject=issue.subject,
        intro=intro,
        intro_html=intro_html,
        topic=issue.topic,
        content=issue_content(issue) if content is None else content,
        site_url=site_url,
        links=links,
        web_url=web_url,
    )


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


_HTML_LINK = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
_MARKDOWN_INLINE_LINK = re.compile(r"(\]\(\s*)(<[^>\n]*>|[^\s)]+)")
_MARKDOWN_REFERENCE = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)", re.MULTILINE)
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _absolute(url: str, site_url: str) -> str:
    bracketed = url.startswith("<") and url.endswith(">")
    target = url[1:-1] if bracketed else url
    if not target.strip() or target.startswith("#") or _HAS_SCHEME.match(target):
        return url
    joined = urljoin(site_url + "/", target.strip())
    return f"<{joined}>" if bracketed else joined


def absolute_links(*, html: str, text: str, site_url: str) -> tuple[str, str]:
    """The introduction with its relative links (`/publications/…`, as authors write them for the
    site) made absolute, since an email has no address of its own to resolve them against: in the
    sanitised HTML, and in the Markdown the text body shows."""
    if not site_url:
        return html, text

    def fix(match: re.Match[str]) -> str:
        return match.group(1) + _absolute(match.group(2), site_url) + (match.group(3) if match.lastindex == 3 else "")

    html = _HTML_LINK.sub(fix, html)
    text = _MARKDOWN_REFERENCE.sub(fix, _MARKDOWN_INLINE_LINK.sub(fix, _HTML_LINK.sub(fix, text)))
    return html, text


def _render_email(context: dict[str, Any]) -> tuple[str, str]:
    return (
        render_to_string("publications/newsletter/email/issue.txt", context),
        render_to_string("publications/newsletter/email/issue.html", context),
    )


def _issue_bodies(
    issue: NewsletterIssue, *, content: IssueContent, site_url: str, links: dict[str, str], web_url: str = ""
) -> tuple[str, str]:
    """The text and HTML bodies of an issue's email, its introduction's links made absolute."""
    return _render_email(issue_page_context(issue, content=content, site_url=site_url, links=links, web_url=web_url))


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
    text, html = _issue_bodies(
        issue, content=content, site_url=site_url, links=links, web_url=issue_web_url(issue, site_url=site_url)
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
    text, html = _issue_bodies(
        issue, content=issue_content(issue), site_url=site_url, links={"preferences": page, "unsubscribe": page}
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


def _ready(now: dt.datetime) -> Q:
    """Due rows no batch task is holding: never handed out, handed out to a task that looks lost,
    or waiting for a retry that has come since they were last handed out."""
    return _due(now) & (
        Q(dispatched_at__isnull=True)
        | Q(dispatched_at__lt=now - STALE_DISPATCH)
        | Q(retry_after__isnull=False, dispatched_at__lt=F("retry_after"))
    )


def deliveries_dispatch(*, issue_id: int, now: dt.datetime | None = None) -> int:
    """Enqueue a batch task for each NEWSLETTER_BATCH_SIZE of the issue's rows that are ready,
    noting when each was handed out so that the next run does not hand it out again. Returns how
    many batches. With nothing due, the issue may be finished."""
    from heard.publications import tasks

    now = now or timezone.now()
    ready = list(Delivery.objects.filter(_ready(now), issue_id=issue_id).order_by("pk").values_list("pk", flat=True))
    size = batch_size()
    batches = [ready[start : start + size] for start in range(0, len(ready), size)]
    for delivery_ids in batches:
        Delivery.objects.filter(pk__in=delivery_ids).update(dispatched_at=now)
        tasks.send_batch.enqueue(issue_id=issue_id, delivery_ids=delivery_ids)
    if not batches:
        issue_finish_if_done(issue_id=issue_id)
    return len(batches)


def deliveries_claim(*, issue_id: int, delivery_ids: list[int], now: dt.datetime) -> list[Delivery]:
    """Mark this batch's due rows as being sent, and commit, before anything is sent: a row
    another worker holds is skipped (where the database can skip locked rows), and a row claimed
    is never claimed again."""
    with transaction.atomic():
        candidates = Delivery.objects.filter(_due(now), issue_id=issue_id, pk__in=delivery_ids)
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        return deliveries_take(ids=list(candidates.values_list("pk", flat=True)), now=now)


def deliveries_take(*, ids: list[int], now: dt.datetime) -> list[Delivery]:
    """Claim rows this batch saw queued, with a random token of its own, and return those it got.
    Without SKIP LOCKED two workers can both see the same rows queued; only one of them changes
    each row, and each sends exactly the rows that carry its token, never the other's, even when
    both claimed at the same moment."""
    token = secrets.token_hex(16)
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING, claimed_at=now, claim=token
    )
    return list(
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING, claim=token)
        .select_related("subscriber")
        .order_by("pk")
    )


def _error_name(error: BaseException | None) -> str:
    return type(error).__name__[:200] if error is not None else "NotSent"


def _postpone(*, issue_id: int, delivery_ids: list[int], now: dt.datetime, error: BaseException) -> int:
    """The batch could not start (no mail connection): its due rows wait a little, unclaimed,
    and lose no attempt, since nothing was sent."""
    return Delivery.objects.filter(_due(now), issue_id=issue_id, pk__in=delivery_ids).update(
        retry_after=now + CONNECTION_RETRY, last_error=_error_name(error)
    )


def _release(rows: list[Delivery], *, now: dt.datetime, error: BaseException | None) -> int:
    """Rows this batch claimed but never tried to send go back to the queue, losing no attempt."""
    if not rows:
        return 0
    changes: dict[str, Any] = {
        "status": DeliveryStatus.QUEUED,
        "claim": "",
        "claimed_at": None,
        "retry_after": now + CONNECTION_RETRY,
    }
    if error is not None:
        changes["last_error"] = _error_name(error)
    return Delivery.objects.filter(pk__in=[row.pk for row in rows], status=DeliveryStatus.SENDING).update(**changes)


# What a failed send means, from the error it raised.
RETRY, FAILED, UNKNOWN = "retry", "failed", "unknown"


def send_error_outcome(error: BaseException) -> str:
    """Whether a failed send may be retried: only an SMTP reply proves the message was not taken
    (4xx: not now, so retry; 5xx: never, so fail). Anything else (a dropped connection, a
    timeout, an error we do not know) may have come after the server took it: `unknown`."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [reply[0] for reply in error.recipients.values() if isinstance(reply, tuple) and reply]
    elif isinstance(error, smtplib.SMTPResponseException):
        # SMTPSenderRefused, SMTPDataError and the others that carry the server's reply.
        codes = [error.smtp_code]
    else:
        return UNKNOWN
    if codes and all(isinstance(code, int) and 400 <= code < 500 for code in codes):
        return RETRY
    if codes and all(isinstance(code, int) and 400 <= code < 600 for code in codes):
        return FAILED
    return UNKNOWN


def _retry_later(delivery: Delivery, error: BaseException | None, now: dt.datetime) -> str:
    """Not taken this time: try again after a growing wait, or give up after the last attempt."""
    delivery.attempts += 1
    delivery.last_error = _error_name(error)
    delivery.claimed_at = None
    delivery.claim = ""
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.retry_after = None
    else:
        delivery.status = DeliveryStatus.QUEUED
        delivery.retry_after = now + RETRY_BACKOFF * 4 ** (delivery.attempts - 1)
    delivery.save(update_fields=["attempts", "last_error", "claimed_at", "claim", "status", "retry_after"])
    return delivery.status


def _mark(delivery: Delivery, status: str, error: BaseException | None) -> None:
    """Failed for good (refused), or `unknown` (it may have arrived): never sent again by itself."""
    delivery.attempts += 1
    delivery.status = status
    delivery.last_error = _error_name(error)
    delivery.retry_after = None
    delivery.save(update_fields=["attempts", "status", "last_error", "retry_after"])


def _mark_sent(delivery: Delivery) -> None:
    delivery.status = DeliveryStatus.SENT
    delivery.attempts += 1
    delivery.sent_at = timezone.now()
    delivery.last_error = ""
    delivery.save(update_fields=["status", "attempts", "sent_at", "last_error"])
    _forgive_soft_bounces(delivery)


def _forgive_soft_bounces(delivery: Delivery) -> None:
    """Temporary bounces count only in a row. Bounces arrive after the mail server took the
    message, so a send that went is known to have arrived only once the next one goes with no
    bounce reported in between: then the count starts again."""
    subscriber = delivery.subscriber
    if not subscriber.soft_bounces:
        return
    previous = (
        Delivery.objects.filter(subscriber_id=subscriber.pk, status=DeliveryStatus.SENT)
        .exclude(pk=delivery.pk)
        .aggregate(last=Max("sent_at"))["last"]
    )
    if previous is None or (subscriber.soft_bounced_at is not None and subscriber.soft_bounced_at >= previous):
        return
    # Only if no bounce was recorded meanwhile (the filter on the time read above).
    Subscriber.objects.filter(pk=subscriber.pk, soft_bounced_at=subscriber.soft_bounced_at).update(
        soft_bounces=0, soft_bounced_at=None
    )


def _close(mail: Any) -> None:
    # Closing a broken connection must not undo the marks already made.
    with contextlib.suppress(Exception):
        mail.close()


def batch_send(*, issue_id: int, delivery_ids: list[int], site_url: str | None = None) -> dict[str, int]:
    """Send one batch of an issue: make sure the mail server can be reached, claim the rows, then
    send each through one connection, marking each as soon as its fate is known. Returns counts
    by outcome."""
    site_url = settings.HEARD_SITE_URL if site_url is None else site_url
    now = timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0, "unknown": 0, "skipped": 0, "postponed": 0}
    issue = NewsletterIssue.objects.select_related("newsletter", "topic").filter(pk=issue_id).first()
    if issue is None or issue.status != IssueStatus.SENDING:
        return counts
    if not Delivery.objects.filter(_due(now), issue_id=issue_id, pk__in=delivery_ids).exists():
        return counts
    # Everything that can fail before a row is touched happens before any row is claimed.
    content = issue_content(issue)
    try:
        mail = get_connection()
        mail.open()
    except Exception as error:  # noqa: BLE001 - nothing was sent: the rows wait, losing no attempt
        logger.warning("Newsletter batch of issue %s could not connect: %s", issue_id, _error_name(error))
        counts["postponed"] = _postpone(issue_id=issue_id, delivery_ids=delivery_ids, now=now, error=error)
        return counts
    untried = deliveries_claim(issue_id=issue_id, delivery_ids=delivery_ids, now=now)
    try:
        _send_claimed(issue=issue, rows=untried, mail=mail, content=content, site_url=site_url, counts=counts)
    except BaseException as error:
        # Something unexpected stopped the batch (the worker is stopping, the database went away):
        # the rows it had not tried yet go back to the queue. The one it was sending, if any, stays
        # `sending`: it may have gone.
        logger.warning("Newsletter batch of issue %s stopped: %s", issue_id, _error_name(error))
        counts["postponed"] += _release(untried, now=now, error=error)
        raise
    finally:
        _close(mail)
    issue_finish_if_done(issue_id=issue_id)
    return counts


def _send_claimed(
    *, issue: NewsletterIssue, rows: list[Delivery], mail: Any, content: IssueContent, site_url: str, counts: dict
) -> None:
    """Send the claimed rows in order, removing each from `rows` once it is no longer untried."""
    now = timezone.now()
    reconnect = False
    while rows:
        delivery = rows[0]
        if delivery.subscriber.status != SubscriberStatus.SUBSCRIBED:
            # Unsubscribed or undeliverable since the issue was sent.
            delivery.status = DeliveryStatus.SKIPPED
            delivery.claimed_at = None
            delivery.save(update_fields=["status", "claimed_at"])
            rows.pop(0)
            counts["skipped"] += 1
            continue
        if reconnect:
            # The last send left the connection in doubt: start a fresh one for the next.
            _close(mail)
            try:
                mail.open()
            except Exception as error:  # noqa: BLE001 - the server went away: the rest wait, losing no attempt
                counts["postponed"] += _release(rows, now=now, error=error)
                rows.clear()
                return
            reconnect = False
        try:
            message = issue_message(
                issue=issue, subscriber=delivery.subscriber, content=content, site_url=site_url, connection=mail
            )
            message.message()  # builds the MIME message: an error here is before anything is sent
        except Exception as error:  # noqa: BLE001 - certainly not sent: counted, and retried later
            logger.warning("Newsletter delivery %s could not be written: %s", delivery.pk, _error_name(error))
            rows.pop(0)
            counts["retry" if _retry_later(delivery, error, now) == DeliveryStatus.QUEUED else "failed"] += 1
            continue
        # From here on the message may reach the server: the row is never put back untried.
        rows.pop(0)
        try:
            sent = message.send(fail_silently=False)
        except Exception as error:  # noqa: BLE001 - what the error proves decides what happens next
            reconnect = True
            outcome = send_error_outcome(error)
            logger.warning("Newsletter delivery %s: %s (%s)", delivery.pk, _error_name(error), outcome)
            if outcome == RETRY:
                counts["retry" if _retry_later(delivery, error, now) == DeliveryStatus.QUEUED else "failed"] += 1
            else:
                _mark(delivery, DeliveryStatus.FAILED if outcome == FAILED else DeliveryStatus.UNKNOWN, error)
                counts[outcome] += 1
            continue
        if not sent:
            # The backend took nothing and said so (no exception): certainly not sent.
            counts["retry" if _retry_later(delivery, None, now) == DeliveryStatus.QUEUED else "failed"] += 1
            continue
        _mark_sent(delivery)
        counts["sent"] += 1


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


@transaction.atomic
def deliveries_retry_failed(*, issue: NewsletterIssue, by: Any) -> int:
    """Put an issue's failed deliveries back in the queue, with their attempts counted afresh: for
    after a mail server problem has been put right. Interrupted (`unknown`) rows are not: they may
    have arrived. An issue marked sent is sending again until they are done. Returns how many."""
    issue = NewsletterIssue.objects.select_for_update(of=("self",)).select_related("newsletter").get(pk=issue.pk)
    if issue.status == IssueStatus.DRAFT:
        raise ValidationError(_("This issue has not been sent."))
    retried = Delivery.objects.filter(issue=issue, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.QUEUED, attempts=0, retry_after=None, dispatched_at=None, claim="", claimed_at=None
    )
    if not retried:
        raise ValidationError(_("No delivery of this issue has failed."))
    if issue.status == IssueStatus.SENT:
        issue.status = IssueStatus.SENDING
        issue.sent_at = None
        issue.save(update_fields=["status", "sent_at", "updated_at"])
    log_action(
        action="newsletter.deliveries_retried",
        by=by,
        target=issue,
        organisation_id=issue.newsletter.organisation_id,
        data={"rows": retried},
    )
    issue_id = issue.pk
    transaction.on_commit(lambda: deliveries_dispatch(issue_id=issue_id))
    return retried


def deliveries_resume(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Pick up issues whose sending stopped part way (`manage.py newsletter_resume`):

    - rows left `sending` for more than 15 minutes are marked `unknown`, never sent again;
    - an issue whose rows were never written gets them written;
    - rows whose retry is due, or whose batch task looks lost, are handed out in batches again
      (rows a task still holds are not, so runs do not pile up duplicate tasks);
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
