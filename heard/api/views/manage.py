"""Staff pages for an organisation's API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.api import selectors, services
from heard.api.forms import TokenForm
from heard.core.forms import add_validation_errors
from heard.core.pagination import page_query, paginate
from heard.core.permissions import permission_required
from heard.organisations.selectors import organisation_for_manage


@permission_required("api.manage_tokens", obj=organisation_for_manage)
def tokens(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = request.permission_object
    form = TokenForm(request.POST if request.method == "POST" else None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.token_create(
                organisation=organisation,
                by=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                confirm_by_email=form.cleaned_data["confirm_by_email"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            form = TokenForm()
    page = paginate(request, selectors.organisation_tokens(organisation=organisation))
    response = render(
        request,
        "api/manage/tokens.html",
        {"organisation": organisation, "form": form, "page": page, "query": page_query(request), "new_key": new_key},
    )
    if new_key:
        # The key is on this page only; keep it out of every cache.
        response["Cache-Control"] = "no-store"
    return response


@permission_required("api.revoke_token", obj=selectors.token_for_manage)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = request.permission_object
    services.token_revoke(token=token, by=request.user)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("api:tokens", slug=token.organisation.slug)
