from django.urls import path

from heard.codesign.views import manage, public

app_name = "codesign"

urlpatterns = [
    path("challenges/", public.challenge_list, name="list"),
    path("challenges/<slug:slug>/", public.challenge, name="challenge"),
    path("challenges/<slug:slug>/outcomes/", public.outcomes, name="outcomes"),
    path("challenges/<slug:slug>/ideas/new/", public.idea_new, name="idea_new"),
    path("challenges/<slug:slug>/ideas/similar/", public.similar, name="similar"),
    path("challenges/<slug:slug>/ideas/<int:pk>/", public.idea, name="idea"),
    path("challenges/<slug:slug>/ideas/<int:pk>/picture/", public.idea_image, name="idea_image"),
    path("challenges/<slug:slug>/ideas/<int:pk>/support/", public.support, name="support"),
    path("challenges/<slug:slug>/ideas/<int:pk>/comments/", public.comment_add, name="comment_add"),
    path(
        "challenges/<slug:slug>/ideas/<int:pk>/comments/<int:comment_pk>/report/",
        public.comment_report,
        name="comment_report",
    ),
    path("challenges/<slug:slug>/ideas/<int:pk>/report/", public.idea_report, name="idea_report"),
    path("challenges/<slug:slug>/ideas/<int:pk>/emails/", public.emails, name="emails"),
    path("challenges/emails/stop/<str:token>/", public.stop_emails, name="stop_emails"),
    path("commitments/<int:pk>/", public.commitment, name="commitment"),
    path("organisations/<slug:slug>/accountability/", public.accountability, name="accountability"),
    path("manage/challenges/", manage.challenges_manage, name="manage"),
    path("manage/challenges/<slug:slug>/", manage.challenge_manage, name="manage_challenge"),
    path("manage/challenges/<slug:slug>/ideas/<int:pk>/", manage.idea_manage, name="manage_idea"),
    path("manage/challenges/<slug:slug>/comments/<int:pk>/", manage.comment_moderate, name="manage_comment"),
    path("manage/commitments/<int:pk>/", manage.commitment_manage, name="manage_commitment"),
]
