"""The report of a conversation: the page, a self-contained HTML file, a PDF, and the statements' CSV.

Each reads the conversation without its stored analysis (`selectors.conversation_by_slug` defers
it): the report needs only the digest kept in its summary (see `heard.conversations.report`)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from heard.conversations import report as report_module
from heard.conversations import report_pdf as report_pdf_module
from heard.conversations import selectors
from heard.conversations.models import Conversation
from heard.core.permissions import allowed, public


def _reported(request: HttpRequest, slug: str) -> Conversation:
    """The conversation whose report this is. Before it opens, only its conveners see it: to
    everyone else it does not exist yet (404), as it is not listed either."""
    found = selectors.conversation_by_slug(request, slug)
    if found.has_not_opened and not allowed(request.user, "conversations.manage", found):
        raise Http404
    return found


@public
def report(request: HttpRequest, slug: str) -> HttpResponse:
    found = _reported(request, slug)
    return render(request, "conversations/report.html", report_module.report_context(found))


@public
def report_download(request: HttpRequest, slug: str) -> HttpResponse:
    """The report as one self-contained HTML file (styles inline, no scripts), to keep or print."""
    found = _reported(request, slug)
    response = render(request, "conversations/report_file.html", report_module.report_context(found))
    response["Content-Disposition"] = f'attachment; filename="{found.slug}-report.html"'
    return response


@public
def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The report as a PDF (see `heard.conversations.report_pdf`)."""
    return report_pdf_module.report_pdf(_reported(request, slug))


@public
def statements_csv(request: HttpRequest, slug: str) -> HttpResponse:
    return report_module.statements_csv(_reported(request, slug))
