from django.urls import path

from heard.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("details/", views.details, name="details"),
    path("about-you/", views.about_you, name="about_you"),
    path("about-you/withdraw/", views.about_you_withdraw, name="about_you_withdraw"),
    path("data/", views.data_download, name="data"),
    path("delete/", views.delete, name="delete"),
    path("deleted/", views.deleted, name="deleted"),
]
