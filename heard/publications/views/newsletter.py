"""The newsletter as readers meet it: its page (sign up, and the archive), the web version of an
issue, confirming a subscription, the preferences page, unsubscribing (also RFC 8058's one-click
POST from mail programs), and the mail provider's bounce and complaint webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import public
from heard.core.ratelimit import rate_limited
from heard.publications.enums import SubscriberStatus
from heard.publications.forms.newsletter import PreferencesForm, SubscribeForm
from heard.publications.models import Subscriber
from heard.publications.selectors import newsletter as selectors
from heard.publications.services import newsletter as services
from heard.publications.services.sending import issue_page_context

# Sign-ups one client may send in an hour.
SUBSCRIBE_PER_HOUR = 10


@public
def newsletters(request: HttpRequest) -> HttpResponse:
    """Every newsletter on the site, each with its page to sign up."""
    page = paginate(request, selectors.newsletters_public())
    return render(request, "publications/newsletter/list.html", {"page": page, "query": page_query(request)})


@public
@sensitive_post_parameters("email")
@rate_limited(action="newsletter_subscribe", limit=SUBSCRIBE_PER_HOUR, period_seconds=3600)
@require_http_methods(["GET", "POST"])
def newsletter(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.newsletter_public(slug)
    topics = selectors.topics_of(found)
    form = SubscribeForm(request.POST if request.method == "POST" else None, newsletter=found, topics=topics)
    if request.method == "POST" and (form.is_spam or form.is_valid()):
        if not form.is_spam:
            services.subscription_request(
                newsletter=found,
                email=form.cleaned_data["email"],
                topics=list(form.cleaned_data.get("topics") or []),
                by=request.user,
                site_url=settings.HEARD_SITE_URL,
            )
        # The same page whatever the address's state (new, waiting, subscribed, or a robot's).
        return render(request, "publications/newsletter/check_email.html", {"newsletter": found})
    page = paginate(request, selectors.issue_archive(found))
    return render(
        request,
        "publications/newsletter/newsletter.html",
        {"newsletter": found, "form": form, "has_topics": bool(topics), "page": page, "query": page_query(request)},
        status=400 if form.errors else 200,
    )


@public
def issue(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    found = selectors.issue_public(slug=slug, number=number)
    return render(request, "publications/newsletter/issue.html", {"issue": found, **issue_page_context(found)})


def _link_problem(request: HttpRequest, problem: str, newsletter: object = None) -> HttpResponse:
    """The page for a link that cannot be used, saying why and what to do."""
    status = 404 if problem == "unknown" else 400
    return render(
        request,
        "publications/newsletter/link_problem.html",
        {"problem": problem, "newsletter": newsletter},
        status=status,
    )


@public
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing, so a mail scanner that opens links cannot confirm
    on someone's behalf; pressing the button (POST) confirms."""
    subscriber = selectors.pending_subscriber_for(token)
    problem = services.confirmation_problem(subscriber)
    if problem:
        return _link_problem(request, problem, subscriber.newsletter if subscriber is not None else None)
    if request.method == "POST":
        try:
            confirmed = services.subscription_confirm(secret=token)
        except ValidationError as error:
            return _link_problem(request, error.code or "unknown")
        messages.success(
            request,
            _("Thank you: you are subscribed to %(name)s. You can choose topics or unsubscribe here at any time.")
            % {"name": confirmed.newsletter.name},
        )
        return see_other(
            reverse(
                "publications:preferences",
                kwargs={"token": services.subscriber_token(confirmed, salt=services.PREFERENCES_SALT)},
            )
        )
    return render(request, "publications/newsletter/confirm.html", {"newsletter": subscriber.newsletter})


def _subscriber_or_refuse(request: HttpRequest, token: str, salt: str) -> Subscriber | HttpResponse:
    """The subscriber a signed link names; for a changed link, a 400 page; for a genuine link to a
    subscriber erased since, a page saying there is nothing to do (200, so that a mail
    program's one-click unsubscribe counts as done)."""
    pk = selectors.signed_subscriber_id(token, salt=salt)
    if pk is None:
        return _link_problem(request, "tampered")
    subscriber = selectors.subscriber_by_id(pk)
    if subscriber is None:
        return render(request, "publications/newsletter/not_on_list.html")
    return subscriber


@public
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    found = _subscriber_or_refuse(request, token, services.PREFERENCES_SALT)
    if isinstance(found, HttpResponse):
        return found
    subscriber = found
    action = request.POST.get("action", "save")
    topics = selectors.topics_of(subscriber.newsletter)
    form = PreferencesForm(
        request.POST if request.method == "POST" and action == "save" else None,
        newsletter=subscriber.newsletter,
        topics=topics,
        initial={"topics": [topic.pk for topic in subscriber.topics.all()]},
    )
    if request.method == "POST":
        if action == "resubscribe":
            try:
                services.subscriber_resubscribe(subscriber=subscriber)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Welcome back: you are subscribed again."))
            return see_other(request.path)
        if form.is_valid():
            try:
                services.subscriber_topics_set(subscriber=subscriber, topics=list(form.cleaned_data["topics"]))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if subscriber.status == SubscriberStatus.SUBSCRIBED:
                    messages.success(request, _("Your choices are saved."))
                else:
                    messages.success(
                        request,
                        _("Your choices are saved. We send you nothing now; they apply if you subscribe again."),
                    )
            return see_other(request.path)
    return render(
        request,
        "publications/newsletter/preferences.html",
        {
            "subscriber": subscriber,
            "newsletter": subscriber.newsletter,
            "form": form,
            "has_topics": bool(topics),
            "unsubscribe_token": services.subscriber_token(subscriber, salt=services.UNSUBSCRIBE_SALT),
        },
        status=400 if form.errors else 200,
    )


@public
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button and changes nothing (link scanners follow links). POST unsubscribes:
    the button, or a mail program's one-click unsubscribe (RFC 8058), which posts
    `List-Unsubscribe=One-Click` with no cookies and so no CSRF token; the signed link is what
    authorises it. Saying it twice is harmless."""
    found = _subscriber_or_refuse(request, token, services.UNSUBSCRIBE_SALT)
    if isinstance(found, HttpResponse):
        return found
    subscriber = found
    context = {
        "subscriber": subscriber,
        "newsletter": subscriber.newsletter,
        "preferences_token": services.subscriber_token(subscriber, salt=services.PREFERENCES_SALT),
    }
    if request.method == "POST":
        services.subscriber_unsubscribe(
            subscriber=subscriber, one_click=request.POST.get("List-Unsubscribe") == "One-Click"
        )
        return render(request, "publications/newsletter/unsubscribed.html", context)
    return render(request, "publications/newsletter/unsubscribe.html", context)


# A signed webhook request is accepted this long either side of the time it says it was signed,
# so a request captured on the way cannot be replayed later.
WEBHOOK_TOLERANCE_SECONDS = 300


def _signature_ok(request: HttpRequest, secret: str) -> bool:
    """The request is signed with the shared secret over `<timestamp>.<raw body>`, and the
    timestamp (unix seconds, header X-Heard-Timestamp) is within five minutes of now."""
    stamp = request.headers.get("X-Heard-Timestamp", "").strip()
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return False
    if abs(time.time() - int(stamp)) > WEBHOOK_TOLERANCE_SECONDS:
        return False
    signed = stamp.encode() + b"." + request.body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    given = request.headers.get("X-Heard-Signature", "")
    return hmac.compare_digest(given.encode(), expected.encode())


@public
@csrf_exempt
def delivery_webhook(request: HttpRequest) -> HttpResponse:
    """Bounces and complaints from the mail provider (format in docs/operations.md), signed with
    NEWSLETTER_WEBHOOK_SECRET over a timestamp and the body. Off (404) while no secret is set."""
    secret = getattr(settings, "NEWSLETTER_WEBHOOK_SECRET", "") or ""
    if not secret:
        raise Http404
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405, headers={"Allow": "POST"})
    if not _signature_ok(request, secret):
        return JsonResponse({"error": "bad or old signature"}, status=403)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "the body is not JSON"}, status=400)
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or len(events) > services.DELIVERY_EVENT_LIMIT:
        return JsonResponse(
            {"error": f"expected {{'events': [...]}} with at most {services.DELIVERY_EVENT_LIMIT} events"},
            status=400,
        )
    return JsonResponse(services.delivery_events_record(events=events))
