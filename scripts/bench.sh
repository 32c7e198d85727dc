#!/usr/bin/env bash
# `make bench-<name>`: run bench/<name>.py against a database of its own,
# created for the run and dropped afterwards, on the project-local
# PostgreSQL and Redis (started here if needed, and stopped again).
set -euo pipefail

NAME="${1:?usage: scripts/bench.sh <name>}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p .run
STATE="$ROOT/.run/started.bench.$$"
BENCH_DB="coaching_bench_$$"

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "${ADMIN_URL:-}" ]; then
        .venv/bin/python - "$ADMIN_URL" "$BENCH_DB" <<'PY' || true
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
PY
    fi
    bash scripts/services.sh down --state "$STATE" || true
    rm -f "$STATE"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/services.sh up --state "$STATE"
# shellcheck source=/dev/null
. .run/env
ADMIN_URL="$DATABASE_URL"
.venv/bin/python - "$ADMIN_URL" "$BENCH_DB" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY
export DATABASE_URL="${ADMIN_URL%/*}/$BENCH_DB"
export SECRET_KEY=insecure-bench-only-key
export SITE_URL=http://bench.invalid
export ALLOWED_HOSTS=localhost
# urlsafe base64 of the 32 bytes "test-only-insecure-key-32-bytes!" (a valid Fernet key)
export FIELD_ENCRYPTION_KEYS=dGVzdC1vbmx5LWluc2VjdXJlLWtleS0zMi1ieXRlcyE=
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python -m "bench.$NAME"
