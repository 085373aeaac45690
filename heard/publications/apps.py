from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationsConfig(AppConfig):
    name = "heard.publications"
    label = "publications"
    verbose_name = _("Publications: reports, responses, the newsletter and the contact form")

    def ready(self) -> None:
        from heard.publications import personal, rules  # noqa: F401  (registers permissions and personal data)
