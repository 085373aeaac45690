from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "heard.organisations"
    label = "organisations"
    verbose_name = _("Organisations and areas")

    def ready(self) -> None:
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource
        from heard.organisations.models import Membership
        from heard.organisations.selectors import sole_administrator_of

        personal_data.register(
            PersonalDataSource(
                name="roles_in_organisations",
                model=Membership,
                rows_for=lambda user: Membership.objects.filter(user=user).select_related("organisation"),
                fields=("organisation", "role", "created_at"),
                erase="delete",
                blocks_erasure=lambda user: [
                    _("You are the only administrator of %(name)s. Make someone else an administrator first.")
                    % {"name": organisation.name}
                    for organisation in sole_administrator_of(user=user)
                ],
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="roles_you_granted",
                model=Membership,
                rows_for=lambda user: Membership.objects.filter(granted_by=user).select_related("organisation"),
                fields=("organisation", "role", "created_at"),
                erase="anonymise",
                anonymise_with={"granted_by": None},
            )
        )
