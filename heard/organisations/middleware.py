"""Anyone holding a staff role must set up two-factor authentication before doing anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from heard.organisations.roles import is_staff_person

_SESSION_KEY = "heard_totp_ready"
_NOTICE_KEY = "heard_totp_notice_shown"


class StaffMustUseTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up(request):
            if not request.session.get(_NOTICE_KEY):
                # Said once: repeating it on every redirected page would pile up banners.
                request.session[_NOTICE_KEY] = True
                messages.info(
                    request,
                    _("Your account has a staff role, so it needs two-factor authentication. Set it up to carry on."),
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_set_up(self, request: HttpRequest) -> bool:
        if not settings.HEARD_MFA_REQUIRED_FOR_STAFF or not request.user.is_authenticated:
            return False
        if request.session.get(_SESSION_KEY) == request.user.pk:
            return False
        path = request.path
        allowed = (
            reverse("mfa_index"),
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            settings.STATIC_URL,
            reverse("core:health"),
        )
        if path.startswith(allowed):
            return False
        if not is_staff_person(request.user):
            return False
        from heard.accounts.selectors import has_totp

        if has_totp(user=request.user):
            request.session[_SESSION_KEY] = request.user.pk
            return False
        return True
