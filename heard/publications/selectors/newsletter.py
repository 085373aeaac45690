"""Reads for the newsletter: its public page and archive, the links in its emails, what an issue
holds, who an issue goes to, and the publishers' pages. Each screen's read runs a fixed number
of queries, whatever the number of subscribers or issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from heard.events.models import Event
from heard.organisations import roles
from heard.organisations.models import Organisation
from heard.publications.enums import DeliveryStatus, IssueStatus, SubscriberStatus
from heard.publications.models import (
    Delivery,
    Newsletter,
    NewsletterIssue,
    Publication,
    Subscriber,
    Topic,
)
from heard.publications.rules import PUBLISHING_ROLES
from heard.publications.selectors.publications import with_bylines

# How many recent publications and upcoming events an issue's form offers to choose from.
COMPOSER_CHOICES = 40

# --- Public pages ---------------------------------------------------------------------------------


def newsletters_public() -> QuerySet[Newsletter]:
    return Newsletter.objects.select_related("organisation").order_by("name", "pk")


def newsletter_public(slug: str) -> Newsletter:
    return get_object_or_404(Newsletter.objects.select_related("organisation"), slug=slug)


def topics_of(newsletter: Newsletter) -> list[Topic]:
    return list(Topic.objects.filter(newsletter=newsletter))


def issue_archive(newsletter: Newsletter) -> QuerySet[NewsletterIssue]:
    """The issues that have gone out (or are going out): the ones with a number."""
    return NewsletterIssue.objects.filter(newsletter=newsletter, number__isnull=False).order_by("-number")


def issue_public(*, slug: str, number: int) -> NewsletterIssue:
    """The web version of an issue that has been sent; drafts are not found."""
    return get_object_or_404(
        NewsletterIssue.objects.select_related("newsletter__organisation", "topic"),
        newsletter__slug=slug,
        number=number,
        status__in=(IssueStatus.SENDING, IssueStatus.SENT),
    )


@dataclass
class IssueContent:
    """What an issue shows after its introduction: the chosen publications that are public (a
    piece unpublished since is left out), with their authors, and the chosen published events."""

    publications: list[Publication] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def issue_content(issue: NewsletterIssue) -> IssueContent:
    """Three queries: the publications, their authors, the events."""
    return content_of(
        publication_ids=list(issue.publications.values_list("pk", flat=True)) if issue.pk else [],
        event_ids=list(issue.events.values_list("pk", flat=True)) if issue.pk else [],
    )


def content_of(*, publication_ids: list[int], event_ids: list[int]) -> IssueContent:
    """The content for chosen ids (a preview has ids that are not saved yet)."""
    publications = (
        list(
            with_bylines(Publication.objects.public().filter(pk__in=publication_ids), tags=False).order_by(
                "-published_at"
            )
        )
        if publication_ids
        else []
    )
    events = (
        list(
            Event.objects.filter(pk__in=event_ids, published_at__isnull=False)
            .select_related("venue")
            .order_by("starts_at", "pk")
        )
        if event_ids
        else []
    )
    return IssueContent(publications=publications, events=events)


# --- Links in emails ------------------------------------------------------------------------------


def signed_subscriber_id(token: str, *, salt: str) -> int | None:
    """The subscriber number a signed link carries, or None when the link was altered. The links
    carry no expiry: they are in every email someone keeps."""
    try:
        return int(signing.Signer(salt=salt).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def subscriber_by_id(pk: int) -> Subscriber | None:
    """The subscriber a genuine link names; None once it has been erased."""
    return Subscriber.objects.select_related("newsletter").filter(pk=pk).first()


def waiting_for_confirmation() -> QuerySet[Subscriber]:
    """Subscribers a confirmation link can still act on: any not subscribed now (a new address,
    or one that left or bounced and asked, through the form, to come back)."""
    return Subscriber.objects.exclude(confirm_digest="").exclude(status=SubscriberStatus.SUBSCRIBED)


def pending_subscriber_for(secret: str) -> Subscriber | None:
    """The subscriber waiting for this confirmation link, if any (a used link finds nobody: its
    digest is cleared)."""
    from heard.core.crypto import token_digest

    if not secret or len(secret) > 200:
        return None
    return waiting_for_confirmation().select_related("newsletter").filter(confirm_digest=token_digest(secret)).first()


# --- Recipients -----------------------------------------------------------------------------------


def recipients(*, newsletter: Newsletter, topic: Topic | None) -> QuerySet[Subscriber]:
    """Who an issue goes to. A subscriber who chose no topic gets everything, including issues
    for one topic; the others get those for a topic they chose (and every issue for all)."""
    return Subscriber.objects.filter(newsletter=newsletter).receiving(topic)


# --- Publishers' pages ----------------------------------------------------------------------------


def publishing_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations whose newsletters this person sends."""
    return roles.organisations_with(user, *PUBLISHING_ROLES)


def _status_counts() -> dict[str, Any]:
    return {
        f"count_{status.value}": Count("pk", filter=Q(status=status.value))
        for status in SubscriberStatus  # type: ignore[attr-defined]
    }


def newsletters_for_manage(user: Any) -> QuerySet[Newsletter]:
    """The newsletters of the person's organisations, each with its subscribers counted by status
    and its sent issues counted, in one query (subqueries, so the counts do not multiply)."""
    newsletters = Newsletter.objects.select_related("organisation").order_by("name", "pk")
    newsletters = roles.within_organisations_with(newsletters, user, *PUBLISHING_ROLES)
    annotations: dict[str, Any] = {}
    for status in SubscriberStatus:  # type: ignore[attr-defined]
        counted = (
            Subscriber.objects.filter(newsletter=OuterRef("pk"), status=status.value)
            .order_by()
            .values("newsletter")
            .annotate(n=Count("pk"))
            .values("n")
        )
        annotations[f"count_{status.value}"] = Coalesce(Subquery(counted, output_field=IntegerField()), 0)
    sent = (
        NewsletterIssue.objects.filter(newsletter=OuterRef("pk"), number__isnull=False)
        .order_by()
        .values("newsletter")
        .annotate(n=Count("pk"))
        .values("n")
    )
    annotations["issues_sent"] = Coalesce(Subquery(sent, output_field=IntegerField()), 0)
    return newsletters.annotate(**annotations)


def newsletter_for_manage(request: Any, slug: str, **_: Any) -> Newsletter:
    """Permission object of the publishers' pages of one newsletter."""
    return get_object_or_404(Newsletter.objects.select_related("organisation"), slug=slug)


def issue_for_manage(request: Any, slug: str, pk: int, **_: Any) -> NewsletterIssue:
    """Permission object of an issue's page."""
    return get_object_or_404(
        NewsletterIssue.objects.select_related("newsletter__organisation", "topic"), newsletter__slug=slug, pk=pk
    )


def subscriber_counts(newsletter: Newsletter) -> dict[str, int]:
    counts = Subscriber.objects.filter(newsletter=newsletter).aggregate(**_status_counts())
    return {key.removeprefix("count_"): value or 0 for key, value in counts.items()}


def issues_for_manage(newsletter: Newsletter) -> QuerySet[NewsletterIssue]:
    """Drafts first, then the sent issues newest first, each with how many it has reached."""
    delivered = (
        Delivery.objects.filter(issue=OuterRef("pk"), status=DeliveryStatus.SENT)
        .order_by()
        .values("issue")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        NewsletterIssue.objects.filter(newsletter=newsletter)
        .select_related("topic")
        .annotate(delivered=Coalesce(Subquery(delivered, output_field=IntegerField()), 0))
        .order_by(Coalesce("number", 2**31 - 1).desc(), "-pk")
    )


def _only_topic_of(through: Any, topic: Any, **more: Any) -> Subquery:
    """How many rows of a subscriber-topic table give `topic` as their subscriber's only one."""
    others = through.objects.filter(subscriber_id=OuterRef("subscriber_id")).exclude(topic_id=OuterRef("topic_id"))
    counted = (
        through.objects.filter(topic_id=topic, **more)
        .filter(~Exists(others))
        .order_by()
        .values("topic_id")
        .annotate(n=Count("pk"))
        # django-stubs cannot see annotations on a many-to-many field's automatic table.
        .values("n")  # type: ignore[misc]
    )
    return Subquery(counted, output_field=IntegerField())


def _sole_choosers_count(topic: Any) -> CombinedExpression:
    """How many subscribers chose `topic` (an id, or OuterRef) as their only topic, counting the
    requests still waiting for their confirmation link too: without the topic, each of them
    would have no topic left, which means everything."""
    chosen = _only_topic_of(Subscriber.topics.through, topic)
    requested = _only_topic_of(Subscriber.pending_topics.through, topic, subscriber__confirm_digest__gt="")
    return Coalesce(chosen, 0) + Coalesce(requested, 0)


def sole_choosers(topic: Topic) -> int:
    """How many subscribers (or requests waiting for confirmation) have `topic` as their only one."""
    found = Topic.objects.filter(pk=topic.pk).annotate(n=_sole_choosers_count(OuterRef("pk"))).values("n").first()
    return found["n"] if found else 0


def topics_for_manage(newsletter: Newsletter) -> list[Topic]:
    """The topics with how many subscribers chose each, how many chose only it, and how many
    issues went to each, in one query."""
    chosen = (
        Subscriber.objects.filter(topics=OuterRef("pk")).order_by().values("topics").annotate(n=Count("pk")).values("n")
    )
    issues = (
        NewsletterIssue.objects.filter(topic=OuterRef("pk"))
        .order_by()
        .values("topic")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sent = (
        NewsletterIssue.objects.filter(topic=OuterRef("pk"), number__isnull=False)
        .order_by()
        .values("topic")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Topic.objects.filter(newsletter=newsletter).annotate(
            subscriber_count=Coalesce(Subquery(chosen, output_field=IntegerField()), 0),
            sole_count=_sole_choosers_count(OuterRef("pk")),
            issue_count=Coalesce(Subquery(issues, output_field=IntegerField()), 0),
            sent_count=Coalesce(Subquery(sent, output_field=IntegerField()), 0),
        )
    )


def delivery_counts(issue: NewsletterIssue) -> dict[str, int]:
    """An issue's deliveries counted by status: its sending progress."""
    counts = Delivery.objects.filter(issue=issue).aggregate(
        total=Count("pk"),
        **{status.value: Count("pk", filter=Q(status=status.value)) for status in DeliveryStatus},  # type: ignore[attr-defined]
    )
    return {key: value or 0 for key, value in counts.items()}


def recent_publications() -> QuerySet[Publication]:
    """The publications an issue can feature: public ones, newest first, a bounded list."""
    ids = Publication.objects.public().order_by("-published_at", "-pk").values("pk")[:COMPOSER_CHOICES]
    return Publication.objects.filter(pk__in=ids).order_by("-published_at", "-pk")


def upcoming_events() -> QuerySet[Event]:
    """The events an issue can invite people to: published and not over, soonest first."""
    ids = (
        Event.objects.filter(published_at__isnull=False, ends_at__gt=timezone.now())
        .order_by("starts_at", "pk")
        .values("pk")[:COMPOSER_CHOICES]
    )
    return Event.objects.filter(pk__in=ids).order_by("starts_at", "pk")
