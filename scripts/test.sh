#!/usr/bin/env bash
# The test steps of `make test` (setup has been done by make): start/reuse PostgreSQL and
# Redis, run ruff, the import layers check, the migrations check, pytest and
# `make cluster-test`, then stop the
# servers this run started, also on failure or Ctrl-C. Exits with the status of the first failing step.
# Extra pytest arguments: PYTEST_ARGS="-k foo -x" (or arguments to this script).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
# shellcheck source=scripts/lib-services.sh
. scripts/lib-services.sh

step() {
    echo
    echo "==> $*"
    "$@"
    local status=$?
    if [ "$status" -ne 0 ]; then
        echo "==> FAILED (exit $status): $*" >&2
        exit "$status"
    fi
}

step services_for_this_run test

# The test harness creates the test database, migrates it and empties tables
# between tests: it runs as the tables' owner. What the app's own role may and
# may not do is tests/security/test_database_roles.py's to check.
export DATABASE_URL="${DATABASE_OWNER_URL:-$DATABASE_URL}"
export SECRET_KEY=insecure-test-only-key
export ALLOWED_HOSTS=localhost,127.0.0.1,testserver
export DJANGO_ALLOW_ASYNC_UNSAFE=1
# Settings require these when DEBUG is off; test-only values unless the caller sets them.
export SITE_URL="${SITE_URL:-http://testserver}"
# urlsafe base64 of the 32 bytes "test-only-insecure-key-32-bytes!" (a valid Fernet key)
export FIELD_ENCRYPTION_KEYS="${FIELD_ENCRYPTION_KEYS:-dGVzdC1vbmx5LWluc2VjdXJlLWtleS0zMi1ieXRlcyE=}"
# Signs backup manifests (coaching/backup); kept with the keys above, never in a backup.
export BACKUP_SIGNING_KEY="${BACKUP_SIGNING_KEY:-test-only-insecure-backup-signing-key}"
# Where the browser tests find Debian's Chromium and axe-core (informational for the tests).
CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium || command -v chromium-browser || true)}"
export CHROMIUM_PATH
export AXE_CORE_PATH="$ROOT/node_modules/axe-core/axe.min.js"

step .venv/bin/ruff check .
# Imports flow one way, accounts <- sessions_log <- coaching (pyproject.toml).
step .venv/bin/lint-imports --no-cache
step .venv/bin/python manage.py makemigrations --check --dry-run
# shellcheck disable=SC2086  # PYTEST_ARGS is word-split on purpose
step .venv/bin/pytest ${PYTEST_ARGS:-} "$@"
# The multi-host checks (docs/deploy.md), about 9 minutes; "skipped" without root or
# network namespaces. CLUSTER_TEST=0 leaves them out (say, with PYTEST_ARGS=-k ...).
if [ "${CLUSTER_TEST:-1}" != 0 ]; then
    step make --no-print-directory cluster-test
fi
