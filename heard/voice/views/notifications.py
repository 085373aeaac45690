"""A person's notification settings, and provider staff's subscriptions to new stories."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.permissions import check, permission_required
from heard.voice import services
from heard.voice.forms import NotificationSettingsForm, SubscriptionForm
from heard.voice.models import NotificationSettings, Subscription


@permission_required("voice.manage_own_notifications")
def notifications(request: HttpRequest) -> HttpResponse:
    current = NotificationSettings.objects.filter(user=request.user).first()
    initial = {
        "my_story_answered": current.my_story_answered if current else True,
        "followed_story_answered": current.followed_story_answered if current else True,
    }
    is_staff = request.user.has_perm("voice.subscribe")
    posted = request.method == "POST"
    settings_form = NotificationSettingsForm(
        request.POST if posted and "save_settings" in request.POST else None, initial=initial, prefix="settings"
    )
    subscription_form = SubscriptionForm(
        request.POST if posted and "subscribe" in request.POST else None, prefix="subscribe"
    )
    if posted and "save_settings" in request.POST and settings_form.is_valid():
        services.notification_settings_save(by=request.user, **settings_form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("voice:notifications")
    if posted and "subscribe" in request.POST:
        check(request.user, "voice.subscribe")
        if subscription_form.is_valid():
            data = subscription_form.cleaned_data
            services.subscription_add(
                by=request.user, service=data["service"], area=data["area"], frequency=data["frequency"]
            )
            messages.success(request, _("You will hear about new stories there."))
            return redirect("voice:notifications")
    subscriptions = (
        Subscription.objects.filter(user=request.user).select_related("service", "area")[:100] if is_staff else []
    )
    return render(
        request,
        "voice/notifications.html",
        {
            "settings_form": settings_form,
            "subscription_form": subscription_form if is_staff else None,
            "subscriptions": subscriptions,
        },
    )


@permission_required("voice.subscribe")
@require_POST
def unsubscribe(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=pk, user=request.user)
    services.subscription_remove(subscription=subscription, by=request.user)
    messages.success(request, _("You will no longer hear about new stories there."))
    return redirect("voice:notifications")
