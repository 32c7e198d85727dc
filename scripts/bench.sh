#!/usr/bin/env bash
# `make bench-<name>`: run bench/<name>.py against a database of its own,
# created for the run and dropped afterwards, on the project-local
# PostgreSQL and Redis (started here if needed, and stopped again).
set -euo pipefail

NAME="${1:?usage: scripts/bench.sh <name>}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib-services.sh
. scripts/lib-services.sh
# shellcheck source=scripts/lib-throwaway-db.sh
. scripts/lib-throwaway-db.sh

services_for_this_run bench
cleanup_add throwaway_db_drop
throwaway_db_create "coaching_bench_$$"
export SECRET_KEY=insecure-bench-only-key
export SITE_URL=http://bench.invalid
export ALLOWED_HOSTS=localhost,127.0.0.1,testserver
# urlsafe base64 of the 32 bytes "test-only-insecure-key-32-bytes!" (a valid Fernet key)
export FIELD_ENCRYPTION_KEYS=dGVzdC1vbmx5LWluc2VjdXJlLWtleS0zMi1ieXRlcyE=
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python -m "bench.$NAME"
