from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PollsConfig(AppConfig):
    name = "heard.polls"
    label = "polls"
    verbose_name = _("Polls: representative surveys")

    def ready(self) -> None:
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource, for_user_field
        from heard.polls import rules  # noqa: F401  (registers the permissions)
        from heard.polls.models import Answer, Invitation, PanelMember, Poll, Respondent

        personal_data.register(
            PersonalDataSource(
                name="poll_answers",
                model=Answer,
                rows_for=lambda user: Answer.objects.filter(respondent__user=user).select_related("question"),
                fields=("question", "choices", "number", "text"),
                # Choices and numbers stay in the results, unlinked from the person (below); words
                # they wrote could name them, so those go.
                erase="anonymise",
                anonymise_with={"text": ""},
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="poll_responses",
                model=Respondent,
                rows_for=for_user_field(Respondent),
                fields=("wave", "channel", "status", "started_at", "submitted_at"),
                # Answers count in published results; unlinked from the account they are anonymous.
                erase="anonymise",
                anonymise_with={"user": None},
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="poll_invitations",
                model=Invitation,
                rows_for=for_user_field(Invitation),
                fields=("wave", "channel", "created_at", "used_at"),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="residents_panel",
                model=PanelMember,
                rows_for=for_user_field(PanelMember),
                fields=("consented_at",),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="polls_made",
                model=Poll,
                rows_for=for_user_field(Poll, "created_by"),
                fields=("title", "created_at"),
                erase="keep",
                reason="A poll belongs to its organisation; the link to its maker holds no personal data.",
            )
        )
