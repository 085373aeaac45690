from django.urls import path

from heard.frontline.views import cases, manage, partners

app_name = "frontline"

urlpatterns = [
    path("frontline/", partners.start, name="start"),
    path("frontline/register/", partners.register, name="register"),
    path("frontline/guidance/", partners.guidance, name="guidance"),
    path("frontline/flag/", partners.flag, name="flag"),
    path("frontline/flag/sent/<str:reference>/", partners.flag_sent, name="flag_sent"),
    path("frontline/my-flags/", partners.my_flags, name="my_flags"),
    path("frontline/my-flags/<str:reference>/", partners.my_flag, name="my_flag"),
    path("frontline/statistics/", manage.statistics, name="statistics"),
    path("frontline/inbox/", cases.inbox, name="inbox"),
    path("frontline/inbox/export/", cases.export, name="export"),
    path("frontline/referrals/<int:pk>/", cases.referral, name="referral"),
    path("frontline/referrals/<int:pk>/act/", cases.referral_act, name="referral_act"),
    path("frontline/referrals/<int:pk>/links/<int:link_pk>/", cases.link_decide, name="link_decide"),
    path("frontline/cases/<str:reference>/", cases.linked_case, name="linked_case"),
    path("manage/frontline/partners/", manage.partners, name="manage_partners"),
    path("manage/frontline/partners/<int:pk>/", manage.partner_decide, name="manage_partner"),
    path("manage/frontline/rules/", manage.routing_rules, name="manage_rules"),
]
