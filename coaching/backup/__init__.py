"""Backups: a pg_dump and a signed manifest taken from one snapshot, and the
checks a restore must pass before anyone uses it.

The dump holds the ciphertext of everything encrypted at rest, never the
keys (FIELD_ENCRYPTION_KEYS lives in the environment of the app's hosts),
and no rows of the session, cache and confirmation-key tables
(`common.DATA_LEFT_OUT`: their schema only). The manifest (row counts,
migrations, the dump's SHA-256) is signed with BACKUP_SIGNING_KEY, kept
with the encryption keys, never beside the backups.

A restore verifies the signature before anything else, reads the dump by
its fixed name only, runs pg_restore as a role that is no superuser, then
(after `migrate`) compares the schema with a fresh `migrate` of the same
code and refuses on any difference.

`manage.py backup_create DIR` and `manage.py backup_restore DIR` run these
as the tables' owner (DATABASE_URL=$DATABASE_OWNER_URL); `make backup` and
`make restore` call them.
"""

from coaching.backup.common import DATA_LEFT_OUT, DUMP, MANIFEST, RESTORE_OWNER, BackupError
from coaching.backup.dump import backup_create, backup_restore
from coaching.backup.manifest import manifest_read, manifest_sign
from coaching.backup.verify import backup_verify

__all__ = [
    "DATA_LEFT_OUT",
    "DUMP",
    "MANIFEST",
    "RESTORE_OWNER",
    "BackupError",
    "backup_create",
    "backup_restore",
    "backup_verify",
    "manifest_read",
    "manifest_sign",
]
