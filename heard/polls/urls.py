from django.urls import path

from heard.polls.views import manage, public

app_name = "polls"

urlpatterns = [
    path("polls/", public.poll_list, name="list"),
    path("polls/panel/", public.panel, name="panel"),
    path("polls/invitation/<str:token>/", public.invitation, name="invitation"),
    path("polls/<slug:slug>/", public.poll_detail, name="poll"),
    path("polls/<slug:slug>/start/", public.poll_start, name="start"),
    path("polls/<slug:slug>/answer/", public.answer, name="answer"),
    path("polls/<slug:slug>/done/", public.done, name="done"),
    path("polls/<slug:slug>/results/", public.results, name="results"),
    path("manage/polls/", manage.polls_manage, name="manage"),
    path("manage/polls/<slug:slug>/", manage.poll_manage, name="manage_poll"),
    path("manage/polls/<slug:slug>/questions/<int:pk>/remove/", manage.question_delete, name="manage_question_delete"),
    path("manage/polls/<slug:slug>/preview/", manage.poll_preview, name="manage_preview"),
    path("manage/polls/<slug:slug>/results/", manage.results_manage, name="manage_results"),
    path("manage/polls/<slug:slug>/text/<slug:code>/", manage.text_answers, name="manage_text"),
    path("manage/polls/<slug:slug>/waves/<int:number>/publish/", manage.wave_publish, name="manage_publish"),
    path(
        "manage/polls/<slug:slug>/waves/<int:number>/invitations/", manage.wave_invitations, name="manage_invitations"
    ),
    path("manage/polls/<slug:slug>/waves/<int:number>/weighting/", manage.wave_weighting, name="manage_weighting"),
    path("manage/polls/<slug:slug>/waves/<int:number>/recompute/", manage.wave_recompute, name="manage_recompute"),
    path("manage/polls/<slug:slug>/waves/<int:number>/export.<str:fmt>", manage.wave_export, name="manage_export"),
]
