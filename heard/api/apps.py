from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "heard.api"
    label = "api"
    verbose_name = _("API: tokens and the REST API")

    def ready(self) -> None:
        from heard.api import rules  # noqa: F401  (registers the permissions)
        from heard.api.models import ApiToken
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource, for_user_field

        personal_data.register(
            PersonalDataSource(
                name="api_tokens",
                model=ApiToken,
                rows_for=for_user_field(ApiToken, "created_by"),
                fields=("created_at", "name", "organisation", "scopes", "last_used_at", "revoked_at"),
                erase="keep",
                reason=(
                    "An API token belongs to its organisation; it holds no personal data, and it stops "
                    "working when the person who made it loses their role or their account."
                ),
            )
        )
