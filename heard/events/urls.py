from django.urls import path

from heard.events.views import call, feeds, manage, public, review, schedule

app_name = "events"

urlpatterns = [
    path("events/", public.event_list, name="list"),
    path("events/manage/", manage.events_manage, name="manage"),
    path("events/<slug:slug>/", public.event, name="event"),
    path("events/<slug:slug>/register/", public.register, name="register"),
    path("events/<slug:slug>.ics", public.event_ics, name="event_ics"),
    # A festival's call for hosts, and the proposals of the person signed in.
    path("events/<slug:slug>/call/", call.call, name="call"),
    path("events/<slug:slug>/call/propose/", call.propose, name="propose"),
    path("events/<slug:slug>/proposals/", call.proposals, name="proposals"),
    path("events/<slug:slug>/proposals/<int:pk>/", call.proposal, name="proposal"),
    path("events/<slug:slug>/proposals/<int:pk>/respond/", call.proposal_respond, name="proposal_respond"),
    # The published schedule, its sessions and feeds.
    path("events/<slug:slug>/schedule/", schedule.schedule, name="schedule"),
    path("events/<slug:slug>/schedule/changes/", schedule.schedule_changes, name="schedule_changes"),
    path("events/<slug:slug>/schedule.json", feeds.schedule_json, name="schedule_json"),
    path("events/<slug:slug>/schedule.xml", feeds.schedule_xml, name="schedule_xml"),
    path("events/<slug:slug>/sessions/<int:pk>/", public.session, name="session"),
    path("events/<slug:slug>/sessions/<int:pk>/register/", public.session_register, name="session_register"),
    path("events/<slug:slug>/sessions/<int:pk>.ics", feeds.session_ics, name="session_ics"),
    path("events/<slug:slug>/sessions/<int:pk>/agenda/", feeds.agenda_toggle, name="agenda_toggle"),
    path("events/<slug:slug>/agenda/", feeds.agenda, name="agenda"),
    path("events/<slug:slug>/agenda.ics", feeds.agenda_ics, name="agenda_ics"),
    # Reviewers.
    path("events/<slug:slug>/review/", review.review_queue, name="review_queue"),
    path("events/<slug:slug>/review/<int:pk>/", review.review_session, name="review_session"),
    # Organisers.
    path("events/<slug:slug>/manage/", manage.event_manage, name="event_manage"),
    path("events/<slug:slug>/manage/rooms/", manage.rooms_manage, name="rooms_manage"),
    path("events/<slug:slug>/manage/call/", manage.call_manage, name="call_manage"),
    path("events/<slug:slug>/manage/proposals/", review.proposals_manage, name="proposals_manage"),
    path("events/<slug:slug>/manage/proposals/send/", review.decisions_send, name="decisions_send"),
    path("events/<slug:slug>/manage/proposals/<int:pk>/", review.proposal_manage, name="proposal_manage"),
    path("events/<slug:slug>/manage/schedule/", schedule.schedule_edit, name="schedule_edit"),
    path("events/<slug:slug>/manage/schedule/release/", schedule.schedule_release, name="schedule_release"),
    path("events/<slug:slug>/manage/schedule/<int:pk>/", schedule.schedule_place, name="schedule_place"),
    path("events/<slug:slug>/manage/door/", manage.checkin, name="checkin"),
]
