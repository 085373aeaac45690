from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from heard.api.models import ApiToken


def organisation_tokens(*, organisation: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organisation=organisation).select_related("created_by")


def token_for_manage(request: Any, pk: int, **_: Any) -> ApiToken:
    return get_object_or_404(ApiToken.objects.select_related("organisation"), pk=pk)
