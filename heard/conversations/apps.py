from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "heard.conversations"
    label = "conversations"
    verbose_name = _("Conversations: opinion mapping")

    def ready(self) -> None:
        from heard.conversations import rules  # noqa: F401  (registers the permissions)
        from heard.conversations.models import Conversation, Participant, PolisImport, Statement
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource, for_user_field

        personal_data.register(
            PersonalDataSource(
                name="conversation_participation",
                model=Participant,
                rows_for=for_user_field(Participant),
                fields=("conversation", "created_at"),
                # Votes count in the opinion map; unlinked from the account they are anonymous.
                erase="anonymise",
                anonymise_with={"user": None},
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="conversations_started",
                model=Conversation,
                rows_for=for_user_field(Conversation, "created_by"),
                fields=("topic", "created_at"),
                erase="keep",
                reason="A conversation belongs to its organisation; the link to its maker holds no personal data.",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="conversation_statements_moderated",
                model=Statement,
                rows_for=for_user_field(Statement, "moderated_by"),
                fields=("text", "status", "moderated_at"),
                erase="keep",
                reason="A moderation decision is kept for the conversation's record; it holds no personal data.",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="conversation_imports",
                model=PolisImport,
                rows_for=for_user_field(PolisImport, "by"),
                fields=("status", "created_at", "finished_at"),
                erase="keep",
                reason="An import belongs to its organisation; the link to who uploaded it holds no personal data.",
            )
        )
