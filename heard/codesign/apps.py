from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodesignConfig(AppConfig):
    name = "heard.codesign"
    label = "codesign"
    verbose_name = _("Co-design: challenges, ideas, decisions and commitments")

    def ready(self) -> None:
        from heard.codesign import rules  # noqa: F401  (registers the permissions)
        from heard.codesign.models import (
            Challenge,
            ChallengeInvitee,
            Comment,
            CommentReport,
            Commitment,
            CommitmentEvent,
            Decision,
            Idea,
            IdeaMute,
            IdeaReport,
            Support,
        )
        from heard.core import personal_data
        from heard.core.personal_data import PersonalDataSource, for_user_field

        public_contribution = (
            "A public contribution to a challenge; once the account is erased it is shown as by a former member."
        )
        for name, model, field_name, fields in (
            ("ideas_proposed", Idea, "author", ("challenge", "title", "description", "created_at")),
            ("idea_comments", Comment, "author", ("idea", "text", "created_at")),
        ):
            personal_data.register(
                PersonalDataSource(
                    name=name,
                    model=model,
                    rows_for=for_user_field(model, field_name),
                    fields=fields,
                    erase="keep",
                    reason=public_contribution,
                )
            )
        personal_data.register(
            PersonalDataSource(
                name="ideas_supported",
                model=Support,
                rows_for=for_user_field(Support),
                fields=("idea", "created_at"),
                erase="keep",
                reason="A support counts towards a public idea and names no one; after erasure it links to no person.",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="idea_comments_reported",
                model=CommentReport,
                rows_for=for_user_field(CommentReport, "reporter"),
                fields=("comment", "reason", "created_at"),
                erase="keep",
                reason="A report is a moderation record and names no one in public.",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="ideas_reported",
                model=IdeaReport,
                rows_for=for_user_field(IdeaReport, "reporter"),
                fields=("idea", "reason", "created_at"),
                erase="keep",
                reason="A report is a moderation record and names no one in public.",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="idea_emails_stopped",
                model=IdeaMute,
                rows_for=for_user_field(IdeaMute),
                fields=("idea",),
                erase="delete",
            )
        )
        personal_data.register(
            PersonalDataSource(
                name="challenge_invitations",
                model=ChallengeInvitee,
                rows_for=lambda user: ChallengeInvitee.objects.filter(email__iexact=user.email),
                fields=("challenge", "email"),
                erase="delete",
            )
        )
        staff_record = "Part of the organisation's public record of what it did; it holds no personal data."
        for name, model, field_name, fields in (
            ("challenges_posed", Challenge, "created_by", ("title", "created_at")),
            ("decisions_published", Decision, "decided_by", ("idea", "outcome", "published_at")),
            ("commitments_owned", Commitment, "owner", ("title", "due_on", "status")),
            ("commitment_updates", CommitmentEvent, "by", ("commitment", "kind", "text", "created_at")),
            ("idea_comments_moderated", Comment, "moderated_by", ("idea", "status", "moderated_at")),
        ):
            personal_data.register(
                PersonalDataSource(
                    name=name,
                    model=model,
                    rows_for=for_user_field(model, field_name),
                    fields=fields,
                    erase="keep",
                    reason=staff_record,
                )
            )
