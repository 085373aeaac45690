from django.urls import path

from heard.organisations.views import manage, public

app_name = "organisations"

urlpatterns = [
    path("organisations/", public.organisation_list, name="list"),
    path("organisations/<slug:slug>/", public.organisation_detail, name="detail"),
    path("areas/", public.area_list, name="areas"),
    path("areas/find/", public.postcode_lookup, name="postcode_lookup"),
    path("areas/<slug:slug>/", public.area_detail, name="area_detail"),
    path("manage/", manage.manage_home, name="manage_home"),
    path("manage/organisations/", manage.organisations_manage, name="manage_organisations"),
    path("manage/areas/", manage.areas_manage, name="manage_areas"),
    path("manage/organisations/<slug:slug>/members/", manage.organisation_members, name="manage_members"),
    path(
        "manage/organisations/<slug:slug>/members/<int:membership_id>/remove/",
        manage.membership_remove,
        name="manage_membership_remove",
    ),
    path("manage/organisations/<slug:slug>/edit/", manage.organisation_edit, name="manage_edit"),
    path("manage/organisations/<slug:slug>/activity/", manage.organisation_activity, name="manage_activity"),
]
