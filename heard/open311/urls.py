from django.urls import path, re_path

from heard.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z]+)$"

urlpatterns = [
    path("open311/v2/", views.discovery, {"fmt": "xml"}, name="root"),
    re_path(r"^open311/v2/discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^open311/v2/services" + FMT, views.service_list, name="services"),
    re_path(r"^open311/v2/services/(?P<code>[^/]+?)" + FMT, views.service_detail, name="service"),
    re_path(r"^open311/v2/requests" + FMT, views.requests, name="requests"),
    re_path(r"^open311/v2/requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^open311/v2/tokens/(?P<token_id>[^/]+?)" + FMT, views.token_detail, name="token"),
]
