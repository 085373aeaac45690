from django.urls import path

from heard.directory.views import manage, public

app_name = "directory"

urlpatterns = [
    path("services/", public.service_list, name="list"),
    path("services/<slug:slug>/", public.service_detail, name="service"),
    path("openreferral/services", public.openreferral_services, name="openreferral_services"),
    path("openreferral/services/<uuid:uid>", public.openreferral_service, name="openreferral_service"),
    path("manage/organisations/<slug:slug>/services/", manage.organisation_services, name="manage_services"),
    path("manage/organisations/<slug:slug>/services/new/", manage.service_add, name="manage_service_add"),
    path("manage/services/<slug:slug>/edit/", manage.service_edit, name="manage_service_edit"),
    path("manage/directory/import/", manage.openreferral_import, name="manage_import"),
]
