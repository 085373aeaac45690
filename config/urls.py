"""URL wiring only: each app owns its own patterns."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from heard.api.urls import rest_urls
from heard.core.views import errors

# The admin site signs people in through the same pages as the rest of Heard, so two-factor
# authentication and sign-in throttling apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Heard administration")
admin.site.site_title = _("Heard administration")

urlpatterns = [
    path("", include("heard.index.urls")),
    path("", include("heard.core.urls")),
    path("account/", include("heard.accounts.urls")),
    path("account/", include("allauth.urls")),
    path("", include("heard.organisations.urls")),
    path("", include("heard.directory.urls")),
    path("", include("heard.voice.urls")),
    path("", include("heard.api.urls")),
    path("api/v1/", rest_urls),
    path("", include("heard.open311.urls")),
    path("", include("heard.polls.urls")),
    path("", include("heard.conversations.urls")),
    path("", include("heard.codesign.urls")),
    path("", include("heard.frontline.urls")),
    path("", include("heard.events.urls")),
    path("", include("heard.publications.urls")),
    path("admin/", admin.site.urls),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
