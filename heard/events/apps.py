from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "heard.events"
    label = "events"
    verbose_name = _("Events: discussion events and festivals, registration")

    def ready(self) -> None:
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource, for_user_field
        from heard.events import rules  # noqa: F401  (registers the permissions)
        from heard.events.models import (
            AgendaItem,
            Event,
            Registration,
            Review,
            ReviewerMembership,
            ScheduleRelease,
            Session,
            SessionHost,
        )

        personal_data.register(
            PersonalDataSource(
                name="event_registrations",
                model=Registration,
                rows_for=for_user_field(Registration),
                fields=("event", "session", "status", "access_needs", "created_at"),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="sessions_proposed",
                model=Session,
                rows_for=for_user_field(Session, "proposer"),
                fields=("event", "title", "description", "state", "submitted_at"),
                erase="anonymise",
                anonymise_with={"proposer": None},
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="sessions_hosted",
                model=SessionHost,
                rows_for=for_user_field(SessionHost),
                fields=("session", "email", "name", "invited_at"),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="session_reviews",
                model=Review,
                rows_for=for_user_field(Review, "reviewer"),
                fields=("session", "comment", "overall", "created_at"),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="review_teams",
                model=ReviewerMembership,
                rows_for=for_user_field(ReviewerMembership),
                fields=("team",),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="schedule_releases_published",
                model=ScheduleRelease,
                rows_for=for_user_field(ScheduleRelease, "published_by"),
                fields=("event", "version", "published_at"),
                erase="keep",
                reason="A schedule release belongs to its event; the link to who published it holds no personal data.",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="agenda",
                model=AgendaItem,
                rows_for=for_user_field(AgendaItem),
                fields=("session", "created_at"),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="events_created",
                model=Event,
                rows_for=for_user_field(Event, "created_by"),
                fields=("title", "starts_at"),
                erase="keep",
                reason="An event belongs to its organisation; the link to its maker holds no personal data.",
            )
        )
