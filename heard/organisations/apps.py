from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "heard.organisations"
    label = "organisations"
    verbose_name = _("Organisations and areas")

    def ready(self) -> None:
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource, for_user_field
        from heard.organisations.models import Membership

        personal_data.register(
            PersonalDataSource(
                name="roles_in_organisations",
                model=Membership,
                rows_for=for_user_field(Membership),
                fields=("organisation", "role", "created_at"),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="roles_you_granted",
                model=Membership,
                rows_for=for_user_field(Membership, "granted_by"),
                fields=("organisation", "role", "created_at"),
                erase="anonymise",
                anonymise_with={"granted_by": None},
            )
        )
