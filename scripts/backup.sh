#!/usr/bin/env bash
# `make backup` / `make restore` (docs/deploy.md: schedule, retention, keys).
#
#   scripts/backup.sh backup    BACKUP_DIR/<UTC time>/: database.dump (no session, cache or
#                               confirmation-key rows) + manifest.json (signed)
#   scripts/backup.sh restore   BACKUP=<dir>: check the manifest's signature, then restore into
#                               a fresh database as a role that is no superuser, migrate,
#                               compare the schema with a fresh migrate, verify
#
# With DATABASE_OWNER_URL (or DATABASE_URL) set, that database (production: the
# environment of a host that runs migrations). Without, the project-local server that
# `make run` uses (.run/env, DEBUG settings, its development keys); `restore` then creates
# a new database beside it and prints its URL. Either way the encryption keys are never
# written into the backup: `restore` needs the same FIELD_ENCRYPTION_KEYS and
# BACKUP_SIGNING_KEY (the manifest's HMAC key) from wherever they are kept; locally, the
# DEBUG development defaults.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command="${1:?usage: scripts/backup.sh backup|restore}"

local_server=0
if [ -z "${DATABASE_OWNER_URL:-}${DATABASE_URL:-}" ]; then
    if [ ! -f .run/env ]; then
        echo "backup: set DATABASE_OWNER_URL, or run \`make services-up\` (or \`make run\`) first" >&2
        exit 1
    fi
    # shellcheck source=/dev/null
    . .run/env
    export DEBUG="${DEBUG:-true}"
    local_server=1
fi
# Backups and restores run as the tables' owner.
export DATABASE_URL="${DATABASE_OWNER_URL:-$DATABASE_URL}"

case "$command" in
    backup)
        dir="${BACKUP_DIR:-backups}/$(date -u +%Y%m%dT%H%M%SZ)"
        .venv/bin/python manage.py backup_create "$dir"
        ;;
    restore)
        backup="${BACKUP:?make restore BACKUP=<a directory make backup wrote>}"
        if [ "$local_server" = 1 ]; then
            name="coaching_restored_$(date -u +%Y%m%d%H%M%S)"
            base="${DATABASE_URL%/*}"
            psql_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/psql"
            [ -x "$psql_bin" ] || psql_bin=psql
            "$psql_bin" -X -q -d "$DATABASE_URL" -c "CREATE DATABASE $name"
            export DATABASE_URL="$base/$name"
            echo "restore: into the new database $DATABASE_URL"
        fi
        .venv/bin/python manage.py backup_restore "$backup"
        ;;
    *)
        echo "usage: scripts/backup.sh backup|restore" >&2
        exit 2
        ;;
esac
