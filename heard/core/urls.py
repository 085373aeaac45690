from django.urls import path

from heard.core.views import health

app_name = "core"

urlpatterns = [
    path("health/", health.health, name="health"),
]
