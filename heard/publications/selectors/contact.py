"""Reads for the teams' contact pages: the messages a person may read, and one message."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from heard.organisations import roles
from heard.publications.models import ContactMessage
from heard.publications.rules import PUBLISHING_ROLES


def messages_for_manage(user: Any, *, handled: str = "") -> QuerySet[ContactMessage]:
    """Messages for the topics of the organisations `user` publishes for (every message for a site
    administrator), newest first; `handled` is "yes", "no" or "" for both. The list shows who
    wrote, never what, so the address and the message are not even decrypted."""
    messages = ContactMessage.objects.select_related("topic__organisation").defer("email", "message")
    messages = roles.within_organisations_with(messages, user, *PUBLISHING_ROLES, field="topic__organisation")
    if handled == "yes":
        messages = messages.filter(handled_at__isnull=False)
    elif handled == "no":
        messages = messages.filter(handled_at__isnull=True)
    return messages.order_by("-created_at", "-pk")


def message_for_manage(request: Any, pk: int, **_: Any) -> ContactMessage:
    """One message, for the permission check of its page."""
    return get_object_or_404(ContactMessage.objects.select_related("topic__organisation", "handled_by"), pk=pk)
