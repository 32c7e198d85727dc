"""What every part of a backup shares: the fixed file names, the tables
whose rows never go into a backup, the error, and how to reach PostgreSQL's
own tools as the current connection's role."""

import hashlib
import os
import shutil
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection

# The two files of a backup. The dump's name is fixed: never read from the
# manifest, so a manifest cannot point a restore at another file.
DUMP = "database.dump"
MANIFEST = "manifest.json"

# Tables whose rows are live secrets or throwaway state: their schema is in
# the dump, their rows are not, and a restore refuses if any row arrives.
# - accounts_loginsession: sessions (digests of the keys, but a session is
#   live state, and the digest is still what a replica reader could match);
# - django_session: Django's old session table (emptied by accounts 0008);
# - cache_fallback: the cache's PostgreSQL fallback (rate limits, cached
#   values);
# - account_emailconfirmation: allauth's email confirmation keys.
DATA_LEFT_OUT = (
    "accounts_loginsession",
    "account_emailconfirmation",
    "cache_fallback",
    "django_session",
)
# allauth's usersessions_usersession, which kept each session's key itself,
# is gone (accounts 0013 drops it): no table holds a session key.

# The role that owns what a restore creates: pg_restore runs as it (SET
# ROLE), never as a superuser, so nothing in a dump can act as one.
RESTORE_OWNER = "coaching_owner"


class BackupError(Exception):
    pass


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore of the server's major version when installed
    (Debian keeps them in /usr/lib/postgresql/N/bin), else from PATH."""
    major = connection.cursor().connection.info.server_version // 10000
    versioned = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    found = str(versioned) if versioned.exists() else shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client).")
    return found


def connection_args(database: str | None = None) -> tuple[list[str], dict]:
    """libpq arguments and environment for this connection's server and
    role, on `database` (default: the connection's own)."""
    db = settings.DATABASES["default"]
    args = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return [*args, "-d", database or db["NAME"]], env


def database_url(database: str) -> str:
    """A DATABASE_URL for `database` on this connection's server, as its role."""
    db = settings.DATABASES["default"]
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if isinstance(v, str)}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{user}{password}@{host}:{port}/{quote(database, safe='')}{query}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
