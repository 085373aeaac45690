from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontlineConfig(AppConfig):
    name = "heard.frontline"
    label = "frontline"
    verbose_name = _("Frontline: flags of potential need, referrals and linkage")

    def ready(self) -> None:
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource, for_user_field
        from heard.frontline import rules  # noqa: F401  (registers the permissions)
        from heard.frontline.models import Flag, FlagLink, Partner, PersonalDataAccess, ReferralEvent

        personal_data.register(
            PersonalDataSource(
                name="frontline_partner",
                model=Partner,
                rows_for=for_user_field(Partner),
                fields=("kind", "business", "status", "created_at"),
                # Their flags stay with the agencies (a safeguarding record), unlinked from them.
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="frontline_flags_made",
                model=Flag,
                rows_for=lambda user: Flag.objects.filter(partner__user=user).defer(
                    "details", "location", "subject", "flagger_contact"
                ),
                fields=("reference", "category", "status", "created_at"),
                erase="anonymise",
                anonymise_with={"partner": None, "flagger_contact": None},
            ),
            before="frontline_partner",
        )
        staff_record = "A safeguarding record kept by the agency; it names no one in public."
        personal_data.register(
            PersonalDataSource(
                name="frontline_case_work",
                model=ReferralEvent,
                rows_for=lambda user: ReferralEvent.objects.filter(by=user).defer("note"),
                fields=("kind", "created_at"),
                erase="keep",
                reason=staff_record,
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="frontline_links_decided",
                model=FlagLink,
                rows_for=for_user_field(FlagLink, "decided_by"),
                fields=("status", "decided_at"),
                erase="keep",
                reason=staff_record,
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="frontline_personal_data_reads",
                model=PersonalDataAccess,
                rows_for=for_user_field(PersonalDataAccess),
                fields=("action", "reason", "created_at"),
                erase="keep",
                reason="The audit log of reads is append-only; it names the reader only to those who audit.",
            )
        )
