"""How an uploaded Pol.is export is getting on: waiting, being imported, imported or not."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from heard.conversations import selectors
from heard.conversations.models import PolisImport
from heard.core.permissions import permission_required

POLLING = dt.timedelta(minutes=15)


@permission_required("conversations.manage", obj=selectors.polis_import_for_status)
@never_cache
def polis_import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    polis_import: PolisImport = request.permission_object
    if request.headers.get("HX-Request") == "true" and request.GET.get("seen") == polis_import.status:
        # htmx asks every few seconds while the import is under way (see the template): with
        # nothing new to say, there is nothing to swap, and nothing is read out again.
        return HttpResponse(status=204)
    return render(
        request,
        "conversations/manage/import.html",
        {
            "polis_import": polis_import,
            # htmx asks again only for a while: an import still waiting after that waits for a worker
            # that is down, which housekeeping sees to; "Check again" still works.
            "polling": not polis_import.is_finished and polis_import.created_at > timezone.now() - POLLING,
            "details": [
                (_("Run by"), polis_import.organisation.name),
                (_("Uploaded"), date_format(timezone.localtime(polis_import.created_at), "j F Y, H:i")),
            ],
        },
    )
