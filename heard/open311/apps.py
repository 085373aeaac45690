from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "heard.open311"
    label = "open311"
    verbose_name = _("Open311 GeoReport v2")

    def ready(self) -> None:
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource
        from heard.open311.models import Open311Request
        from heard.voice.selectors import stories_told_by

        personal_data.register(
            PersonalDataSource(
                name="open311_requests",
                model=Open311Request,
                rows_for=lambda user: Open311Request.objects.filter(story__in=stories_told_by(user)),
                fields=("created_at", "story", "district", "private"),
                # The story itself is kept or deleted with the person's other stories; the place
                # and contact details a reporting app sent with it go.
                erase="anonymise",
                anonymise_with={"private": {}, "district": ""},
            ),
            # The stories are found by the author's address, which erasing them blanks.
            before="stories",
        )
