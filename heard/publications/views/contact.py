"""The contact form, for everyone, and the messages it brings to each team, in Manage."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import permission_required, public
from heard.core.ratelimit import rate_limit_exceeded
from heard.publications.forms.contact import ContactForm, MessageFilterForm
from heard.publications.selectors import contact as selectors
from heard.publications.services import contact as services

# Messages one address may send in an hour: settings.HEARD_CONTACT_PER_HOUR. Only sendable
# messages count, and one refused stays on the page, so a person who makes mistakes loses nothing.
HOUR = 3600


@public
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("name", "email", "message")
def contact(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.user.is_authenticated:
        initial = {"name": request.user.display_name, "email": request.user.email}
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        robot = form.caught_robot()
        if robot or form.is_valid():
            if rate_limit_exceeded(
                request, action="contact_message", limit=settings.HEARD_CONTACT_PER_HOUR, period_seconds=HOUR
            ):
                form.add_error(
                    None,
                    _(
                        "You have sent several messages in the last hour. Wait a while and send this one again; "
                        "what you wrote is still here."
                    ),
                )
                response = render(request, "publications/contact/form.html", {"form": form}, status=429)
                response["Retry-After"] = str(HOUR)
                return response
            if robot:
                # Looks sent to the robot; nothing is stored and nobody is emailed.
                return see_other(reverse("publications:contact_sent"))
            data = form.cleaned_data
            try:
                services.contact_submit(
                    topic=data["topic"],
                    name=data["name"],
                    email=data["email"],
                    message=data["message"],
                    by=request.user,
                )
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                return see_other(reverse("publications:contact_sent"))
    return render(request, "publications/contact/form.html", {"form": form}, status=400 if form.errors else 200)


@public
def contact_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "publications/contact/sent.html")


@permission_required("publications.view_manage")
def messages_manage(request: HttpRequest) -> HttpResponse:
    filters = MessageFilterForm(request.GET)
    handled = filters.cleaned_data["handled"] if filters.is_valid() else ""
    page = paginate(request, selectors.messages_for_manage(request.user, handled=handled))
    # The list names who wrote (decrypted personal data): each showing of it is recorded.
    services.contact_messages_listed(messages=list(page.object_list), by=request.user)
    return render(
        request,
        "publications/contact/manage_list.html",
        {"page": page, "query": page_query(request), "filters": filters, "handled": handled},
    )


@require_http_methods(["GET", "POST"])
@permission_required("publications.read_contact", obj=selectors.message_for_manage)
def message(request: HttpRequest, pk: int) -> HttpResponse:
    contact_message = request.permission_object  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            services.contact_mark_handled(message=contact_message, by=request.user)
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        else:
            flash.success(request, _("The message is marked as handled."))
        return see_other(request.path)
    # The message is personal data: each time someone opens it is recorded.
    services.contact_read(message=contact_message, by=request.user)
    return render(request, "publications/contact/message.html", {"message": contact_message})
