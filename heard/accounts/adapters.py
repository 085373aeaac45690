"""How allauth fits Heard: its emails go through Heard's queue and background task."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from heard.core.services import email_queue


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = allauth_context.request
        full_context = {"request": request, "email": email, "current_site": get_current_site(request)}
        full_context.update(context)
        message = self.render_mail(template_prefix, email, full_context)
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"),
            "",
        )
        user = context.get("user")
        email_queue(
            to=email,
            subject=str(message.subject),
            text_body=str(message.body),
            html_body=str(html),
            kind=template_prefix.rsplit("/", 1)[-1],
            user=user if getattr(user, "pk", None) else None,
        )
