from django.urls import path

from heard.voice.views import manage, notifications, public

app_name = "voice"

urlpatterns = [
    path("services/<slug:slug>/tell-us/", public.story_new, name="story_new"),
    path("services/<slug:slug>/stories/", public.service_stories, name="service_stories"),
    path("stories/<int:pk>/", public.story_detail, name="story"),
    path("organisations/<slug:slug>/stories/", public.organisation_stories, name="organisation_feedback"),
    path("stories/confirm/<str:token>/", public.story_confirm, name="confirm"),
    path("stories/<int:pk>/follow/", public.story_follow, name="follow"),
    path("stories/<int:pk>/report/", public.story_report, name="report"),
    path("services/<slug:slug>/changes/new/", manage.change_new, name="change_new"),
    path("stories/<int:pk>/respond/", manage.respond, name="respond"),
    path("manage/organisations/<slug:slug>/stories/", manage.organisation_stories, name="organisation_stories"),
    path("account/notifications/", notifications.notifications, name="notifications"),
    path("account/notifications/<int:pk>/remove/", notifications.unsubscribe, name="unsubscribe"),
    path("manage/stories/", manage.moderation_queue, name="moderation_queue"),
    path("manage/stories/<int:pk>/", manage.moderate, name="moderate"),
]
