"""Where the accounts app (and the libraries it wires in) keep personal data."""

from __future__ import annotations

from heard.core import personal_data
from heard.core.personal_data import PersonalDataSource, for_user_field


def register_sources() -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from heard.accounts.models import Demographics, User
    from heard.core.models import ActivityLog, OutboundEmail

    personal_data.register(
        PersonalDataSource(
            name="account",
            model=User,
            rows_for=lambda user: User.objects.filter(pk=user.pk),
            fields=("email", "display_name", "date_joined", "last_login", "is_active"),
            erase="anonymise",
            # The row stays so that public contributions keep their author, as "Former member".
            anonymise_with={"display_name": "", "last_login": None},
        )
    )
    personal_data.register(
        PersonalDataSource(
            name="demographics",
            model=Demographics,
            rows_for=for_user_field(Demographics),
            fields=("consent_given_at", "updated_at", "answers"),
            erase="delete",
        )
    )
    personal_data.register(
        PersonalDataSource(
            name="email_addresses",
            model=EmailAddress,
            rows_for=for_user_field(EmailAddress),
            fields=("email", "verified", "primary"),
            erase="delete",
        )
    )
    personal_data.register(
        PersonalDataSource(
            name="two_factor_authenticators",
            model=Authenticator,
            rows_for=for_user_field(Authenticator),
            fields=("type", "created_at", "last_used_at"),
            erase="delete",
        )
    )
    personal_data.register(
        PersonalDataSource(
            name="emails_sent",
            model=OutboundEmail,
            rows_for=lambda user: (
                OutboundEmail.objects.filter(user=user) | OutboundEmail.objects.filter(recipient__iexact=user.email)
            ),
            fields=("recipient", "kind", "status", "created_at", "sent_at"),
            erase="delete",
        )
    )
    personal_data.register(
        PersonalDataSource(
            name="activity",
            model=ActivityLog,
            rows_for=for_user_field(ActivityLog, "actor"),
            fields=("created_at", "action", "object_type", "object_id"),
            erase="keep",
            reason="The activity log holds identifiers and state names only; it stays as the record "
            "of what was done, attributed to the former member.",
        )
    )
    personal_data.register(
        PersonalDataSource(
            name="admin_actions",
            model=LogEntry,
            rows_for=for_user_field(LogEntry),
            fields=("action_time", "object_repr", "change_message"),
            erase="keep",
            reason="Actions this person took in the admin site, kept as the record of what staff did.",
        )
    )
    personal_data.register(
        PersonalDataSource(
            name="admin_records_about_you",
            model=LogEntry,
            rows_for=lambda user: LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
            ),
            fields=("action_time", "object_repr", "change_message"),
            erase="anonymise",
            anonymise_with={"object_repr": "Former member", "change_message": ""},
        )
    )
    from axes.models import AccessAttempt, AccessLog

    for name, model in (("failed_sign_in_attempts", AccessAttempt), ("sign_in_log", AccessLog)):
        personal_data.register(
            PersonalDataSource(
                name=name,
                model=model,
                rows_for=lambda user, model=model: model.objects.filter(username__iexact=user.email),
                fields=("username", "ip_address", "user_agent", "attempt_time"),
                erase="delete",
            )
        )
