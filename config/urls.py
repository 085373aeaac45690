"""URL wiring only: each app owns its own patterns."""

from django.contrib import admin
from django.urls import include, path

from heard.core.views import errors

urlpatterns = [
    path("", include("heard.index.urls")),
    path("", include("heard.core.urls")),
    path("account/", include("heard.accounts.urls")),
    path("account/", include("allauth.urls")),
    path("", include("heard.organisations.urls")),
    path("admin/", admin.site.urls),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
