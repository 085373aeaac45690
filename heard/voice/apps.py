from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What a person's download holds of each story they told.
STORY_FIELDS = (
    "created_at",
    "service",
    "title",
    "text",
    "published_text",
    "rating_overall",
    "rating_access",
    "rating_respect",
    "rating_outcome",
    "listened",
    "status",
    "author_name",
    "author_email",
    "moderation_reason",
    "moderation_note",
)


class VoiceConfig(AppConfig):
    name = "heard.voice"
    label = "voice"
    verbose_name = _("Voice: stories and responses")

    def ready(self) -> None:
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource, for_user_field
        from heard.voice.enums import StoryStatus
        from heard.voice.models import (
            Change,
            NotificationSettings,
            Response,
            Story,
            StoryFollow,
            StoryReport,
            Subscription,
        )
        from heard.voice.selectors import stories_told_by as stories_of

        personal_data.register(
            PersonalDataSource(
                name="stories",
                model=Story,
                rows_for=lambda user: stories_of(user).filter(status=StoryStatus.PUBLISHED),
                fields=STORY_FIELDS,
                # A published story is a public contribution: it stays, without a name or an
                # email, as written by "Former member".
                erase="anonymise",
                anonymise_with={"author_name": "", "author_email": ""},
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="stories_not_published",
                model=Story,
                rows_for=lambda user: stories_of(user).exclude(status=StoryStatus.PUBLISHED),
                fields=STORY_FIELDS,
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="stories_moderated",
                model=Story,
                rows_for=lambda user: Story.objects.filter(moderated_by=user),
                fields=("moderated_at", "status", "moderation_reason"),
                erase="keep",
                reason="Moderation decisions stay as the record of what staff did.",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="responses_written",
                model=Response,
                rows_for=lambda user: Response.objects.filter(author=user).select_related("organisation"),
                fields=("created_at", "organisation", "status", "text"),
                erase="keep",
                reason="A response is the organisation's public answer; it stays, written by a former member.",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="stories_reported",
                model=StoryReport,
                rows_for=for_user_field(StoryReport, "reporter"),
                fields=("created_at", "story", "reason", "detail"),
                erase="anonymise",
                anonymise_with={"reporter": None, "detail": ""},
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="changes_recorded",
                model=Change,
                rows_for=for_user_field(Change, "created_by"),
                fields=("created_at", "service", "title"),
                erase="keep",
                reason="A recorded change is the organisation's public record.",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="story_subscriptions",
                model=Subscription,
                rows_for=for_user_field(Subscription),
                fields=("service", "area", "frequency", "created_at"),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="notification_settings",
                model=NotificationSettings,
                rows_for=for_user_field(NotificationSettings),
                fields=("my_story_answered", "followed_story_answered"),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="stories_followed",
                model=StoryFollow,
                rows_for=for_user_field(StoryFollow),
                fields=("story", "created_at"),
                erase="delete",
            )
        )
