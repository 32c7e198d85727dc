# shellcheck shell=bash
# Sourced by scripts/bench.sh and scripts/scan.sh: a database of the run's
# own on the project-local PostgreSQL, created now and dropped on exit (the
# caller registers throwaway_db_drop with cleanup_add, scripts/lib-services.sh).
# Needs DATABASE_URL (from .run/env); sets THROWAWAY_ADMIN_URL and exports a
# DATABASE_URL that points at the new database.

throwaway_db_sql() {
    .venv/bin/python - "$THROWAWAY_ADMIN_URL" "$1" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(sys.argv[2])
PY
}

throwaway_db_create() {
    local name="$1"
    # A measuring or scanning run owns its database and works as its owner.
    THROWAWAY_ADMIN_URL="${DATABASE_OWNER_URL:-$DATABASE_URL}"
    THROWAWAY_DB="$name"
    throwaway_db_sql "CREATE DATABASE \"$name\""
    export DATABASE_URL="${THROWAWAY_ADMIN_URL%/*}/$name"
    export DATABASE_OWNER_URL="$DATABASE_URL"
}

throwaway_db_drop() {
    if [ -n "${THROWAWAY_DB:-}" ]; then
        throwaway_db_sql "DROP DATABASE IF EXISTS \"$THROWAWAY_DB\" WITH (FORCE)" || true
    fi
}
