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
        from heard.events.models import Event, Registration

        personal_data.register(
            PersonalDataSource(
                name="event_registrations",
                model=Registration,
                rows_for=for_user_field(Registration),
                fields=("event", "status", "created_at"),
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
