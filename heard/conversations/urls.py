from django.urls import path

from heard.conversations.views import imports, manage, public, reports

app_name = "conversations"

urlpatterns = [
    path("conversations/", public.conversation_list, name="list"),
    path("conversations/invitation/<str:token>/", public.invitation, name="invitation"),
    path("conversations/<slug:slug>/", public.conversation, name="conversation"),
    path("conversations/<slug:slug>/vote/", public.vote, name="vote"),
    path("conversations/<slug:slug>/statements/", public.statement_add, name="statement_add"),
    path("conversations/<slug:slug>/my-votes/", public.my_votes, name="my_votes"),
    path("conversations/<slug:slug>/report/", reports.report, name="report"),
    path("conversations/<slug:slug>/report.html", reports.report_download, name="report_download"),
    path("conversations/<slug:slug>/report.pdf", reports.report_pdf, name="report_pdf"),
    path("conversations/<slug:slug>/statements.csv", reports.statements_csv, name="statements_csv"),
    path("manage/conversations/", manage.conversations_manage, name="manage"),
    path("manage/conversations/import/", manage.polis_import, name="manage_import"),
    path("manage/conversations/imports/<int:import_id>/", imports.polis_import_status, name="manage_import_status"),
    path("manage/conversations/<slug:slug>/", manage.conversation_manage, name="manage_conversation"),
    path(
        "manage/conversations/<slug:slug>/statements/<int:pk>/",
        manage.statement_moderate,
        name="manage_statement",
    ),
    path("manage/conversations/<slug:slug>/polis-export.zip", manage.polis_export, name="manage_export"),
]
