"""Writes about a person's own account: their public name, their optional demographics (with
consent), the download of everything held about them, and erasure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from heard.accounts.models import Demographics, User
from heard.core import personal_data
from heard.core.services import log_action


@transaction.atomic
def profile_update(*, user: User, display_name: str, by: User) -> User:
    """Change the name shown beside a person's public contributions."""
    user.display_name = display_name.strip()
    user.save(update_fields=["display_name"])
    log_action(action="account.profile_updated", by=by, target=user)
    return user


@transaction.atomic
def demographics_save(*, user: User, answers: dict[str, str], by: User) -> Demographics:
    """Store a person's answers about themselves. Only called once they have ticked consent;
    an empty answer is left out rather than stored."""
    cleaned = {key: value for key, value in answers.items() if value}
    demographics, created = Demographics.objects.get_or_create(
        user=user, defaults={"consent_given_at": timezone.now(), "answers": cleaned}
    )
    if not created:
        demographics.answers = cleaned
        demographics.save(update_fields=["answers", "updated_at"])
    log_action(action="account.demographics_saved", by=by, target=user)
    return demographics


@transaction.atomic
def demographics_withdraw(*, user: User, by: User) -> bool:
    """Withdraw consent: the answers are deleted, not just hidden. Returns whether any existed."""
    deleted, _ = Demographics.objects.filter(user=user).delete()
    if deleted:
        log_action(action="account.demographics_withdrawn", by=by, target=user)
    return bool(deleted)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value.pk)
    return value


def account_export(*, user: User, by: User) -> dict[str, Any]:
    """Everything Heard holds about a person, from every registered source, as plain JSON data.
    The export is logged first, so the download itself records that it was made."""
    log_action(action="account.data_exported", by=by, target=user)
    export: dict[str, Any] = {
        "about": "Everything Heard holds about you, as of the time below.",
        "exported_at": timezone.now().isoformat(),
    }
    for source in personal_data.sources():
        rows = source.rows_for(user)
        export[source.name] = [
            {field_name: _json_value(getattr(row, field_name)) for field_name in source.fields} for row in rows
        ]
    return export


@transaction.atomic
def account_erase(*, user: User, by: User) -> None:
    """Delete a person's account: every registered source of personal data is deleted or emptied,
    and the user row stays only as an anonymous author ("Former member") of public contributions.
    This cannot be undone. Refused while erasing would leave something without its keeper (see
    `personal_data.erasure_blockers`)."""
    blockers = personal_data.erasure_blockers(user)
    if blockers:
        raise ValidationError(blockers)
    for source in personal_data.sources():
        if source.erase == "delete":
            source.rows_for(user).delete()
        elif source.erase == "anonymise" and source.model is not User:
            for row in source.rows_for(user):
                for field_name, value in source.anonymise_with.items():
                    setattr(row, field_name, value)
                row.save(update_fields=list(source.anonymise_with))
    user.email = f"erased-{user.pk}@erased.invalid"
    user.display_name = ""
    user.last_login = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.erased_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    log_action(action="account.erased", by=by if by.pk != user.pk else None, target=user)
