"""Encryption at rest for sensitive personal data, with key rotation (cryptography's MultiFernet)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        # Debug mode only (settings refuse production without keys): derive one from SECRET_KEY.
        derived = base64.urlsafe_b64encode(hashlib.sha256(f"heard-fields:{secret_key}".encode()).digest())
        keys = (derived.decode(),)
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


logger = logging.getLogger(__name__)


def decrypt_text(token: str) -> str:
    """The plain text of a stored value. A value no configured key opens fails loudly, and is
    logged, rather than showing anyone garbage."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        logger.error("A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS (a key is missing or wrong).")
        raise ImproperlyConfigured("A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS.") from exc


def rotate_text(token: str) -> str:
    """The same value encrypted again with the first (newest) key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        logger.error(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS while rotating keys; "
            "nothing after it was rotated."
        )
        raise ImproperlyConfigured("A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS.") from exc


if TYPE_CHECKING:
    _TextField = models.TextField[Any, Any]
else:
    _TextField = models.TextField


class EncryptedJSONField(_TextField):
    """A JSON value stored encrypted. It cannot be filtered on in the database, by design."""

    if TYPE_CHECKING:
        _pyi_private_set_type: Any
        _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return None
        return json.loads(decrypt_text(value))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return encrypt_text(json.dumps(value, sort_keys=True))


class EncryptedTextField(_TextField):
    """Text stored encrypted. It cannot be filtered on in the database, by design."""

    if TYPE_CHECKING:
        _pyi_private_set_type: Any
        _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return value
        return encrypt_text(str(value))


def _rotate_column(model: type[models.Model], field: models.Field, batch: int = 1000) -> int:
    """Re-encrypt one column with the newest key, working on the stored ciphertext (no decrypted
    value leaves `rotate_text`)."""
    from django.db import connection, transaction

    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(str(field.column))
    primary = connection.ops.quote_name(str(model._meta.pk.column))  # type: ignore[union-attr]
    done, last = 0, None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            after = f"{primary} > %s AND " if last is not None else ""
            cursor.execute(
                f"SELECT {primary}, {column} FROM {table} WHERE {after}{column} IS NOT NULL AND {column} <> ''"  # noqa: S608 - names come from the models
                f" ORDER BY {primary} LIMIT %s",
                [*([last] if last is not None else []), batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            for pk, token in rows:
                # Only if the value is still the one read: a value erased or rewritten meanwhile
                # (retention, a new note) is left as it now is, never brought back.
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE {primary} = %s AND {column} = %s",  # noqa: S608 - names come from the models
                    [rotate_text(token), pk, token],
                )
            done += len(rows)
            last = rows[-1][0]


def rotate_all() -> dict[str, int]:
    """Encrypt every stored encrypted value, in every app, again with the first key of
    FIELD_ENCRYPTION_KEYS. Put the new key first, run this, and only then drop the old key."""
    from django.apps import apps

    counts = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedJSONField | EncryptedTextField):
                counts[f"{model._meta.label_lower}.{field.name}"] = _rotate_column(model, field)
    return counts


def token_digest(token: str) -> str:
    """What is stored of a secret link or key: its SHA-256. Tokens are long random strings, so a
    plain hash suffices (nothing to slow guessing down), and a stolen database holds no usable one."""
    return hashlib.sha256(token.encode()).hexdigest()


def lookup_digest(value: str) -> str:
    """A keyed hash of a personal value (an email address, lower-cased by the caller) that lets a
    row be found again without storing the value in clear. Keyed with SECRET_KEY, so a stolen
    table cannot be matched against a list of addresses; changing SECRET_KEY orphans these."""
    return hmac.new(f"heard-lookup:{settings.SECRET_KEY}".encode(), value.encode(), hashlib.sha256).hexdigest()
