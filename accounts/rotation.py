"""Key rotation: every secret at rest, rewritten with the newest key.

What is encrypted is found, not listed: every EncryptedTextField of every
model in the registry (`django.apps.apps.get_models()`), plus the MFA secrets
allauth keeps inside `mfa_authenticator.data`
(`accounts.services.keys.mfa_secrets_reencrypt`). A new encrypted field, in any
app, is rotated without anyone having to remember it here.

Rows PostgreSQL locks (signed notes, addenda, note reviews: the triggers of
sessions_log 0004, widened in 0009) are rewritten under the setting
`coaching.rotating_keys`, which those triggers honour for an UPDATE that
changes only ciphertext columns.

Rotation is all or nothing: one transaction, every row locked as it is read;
a value no configured key can decrypt stops it and nothing is changed.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import connection, models, transaction

from accounts.fields import EncryptedTextField
from accounts.services.keys import mfa_secrets_reencrypt
from common import crypto

# The setting the lock triggers read (sessions_log 0004 and 0009).
ROTATING_KEYS = "coaching.rotating_keys"
MFA_LABEL = "mfa.Authenticator"
_BATCH = 500


class RotationError(Exception):
    """A stored value that no configured key decrypts (it names the row,
    never its content)."""


def encrypted_fields() -> dict[type[models.Model], list[EncryptedTextField]]:
    """Each model's own encrypted columns, for every model in the registry.
    Proxies share their concrete model's table and are left to it; a
    child model lists only the columns of its own table."""
    found = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = [
            field
            for field in model._meta.local_concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if fields:
            found[model] = fields
    return found


@contextmanager
def rotating_locked_rows() -> Iterator[None]:
    """Tell the lock triggers that this transaction changes only ciphertext.

    The setting is transaction-local (SET LOCAL): an error rolls it back with
    the rest, so it is switched off only on the way out of a success."""
    if not connection.in_atomic_block:
        raise RuntimeError("Key rotation runs inside a transaction.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [ROTATING_KEYS])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'off', true)", [ROTATING_KEYS])


def _rotated(model, field, key, value):
    if value is None or value == "":
        return value
    try:
        return crypto.reencrypt(value)
    except ValueError:
        raise RotationError(
            f"{model._meta.label}.{field.name} of row {key} cannot be decrypted with any "
            "configured key; nothing was re-encrypted."
        ) from None


def reencrypt_table(model: type[models.Model], fields: list[EncryptedTextField]) -> int:
    """Rewrite `fields` of every row of `model`'s table with the newest key.

    Ciphertext to ciphertext, in SQL: no manager can hide a row, no
    `auto_now` column moves, no signal fires. Must run in a transaction
    (the rows stay locked until it ends). Returns how many rows held text.
    """
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = [quote(field.column) for field in fields]
    holds_text = " OR ".join(f"{column} <> ''" for column in columns)
    assignments = ", ".join(f"{column} = %s" for column in columns)
    rewritten, last = 0, None
    with connection.cursor() as cursor:
        while True:
            after = "" if last is None else f" AND {pk} > %s"
            cursor.execute(
                f"SELECT {pk}, {', '.join(columns)} FROM {table} "  # noqa: S608 - quoted names
                f"WHERE ({holds_text}){after} ORDER BY {pk} LIMIT {_BATCH} FOR UPDATE",
                [] if last is None else [last],
            )
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608 - quoted names
                [
                    [
                        _rotated(model, field, key, value)
                        for field, value in zip(fields, values, strict=True)
                    ]
                    + [key]
                    for key, *values in rows
                ],
            )
            rewritten += len(rows)
            last = rows[-1][0]


@transaction.atomic
def secrets_reencrypt() -> dict[str, int]:
    """Everything encrypted at rest, rewritten with the first key of
    FIELD_ENCRYPTION_KEYS. Returns rows rewritten per model label
    ("mfa.Authenticator" for the MFA secrets)."""
    counts = {MFA_LABEL: mfa_secrets_reencrypt()}
    with rotating_locked_rows():
        for model, fields in encrypted_fields().items():
            counts[model._meta.label] = reencrypt_table(model, fields)
    return counts
