from django.urls import path

from heard.api.rest import api
from heard.api.views import docs, manage

app_name = "api"

urlpatterns = [
    path("developers/", docs.developers, name="docs"),
    path("manage/organisations/<slug:slug>/api-tokens/", manage.tokens, name="tokens"),
    path("manage/api-tokens/<int:pk>/revoke/", manage.token_revoke, name="token_revoke"),
]

# The REST API has its own namespace ("api-v1"), so it is included beside this app's patterns.
rest_urls = api.urls
