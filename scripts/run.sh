#!/usr/bin/env bash
# `make run`: start (or reuse) PostgreSQL and Redis, apply migrations, load the demo data
# (its logins go to .run/demo-logins.txt), then run the web server on
# http://127.0.0.1:$PORT (default 8000), a Celery worker and Celery beat in the foreground
# (plus a local SMTP sink unless EMAIL_HOST is set). Ctrl-C (or any one of them exiting)
# stops them all, then the PostgreSQL/Redis that this run started.
#
# Expects .venv to be installed (make run does that). The database and Redis come from
# scripts/services.sh: $DATABASE_URL / $REDIS_URL when set and answering, else project-local.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib-services.sh
. scripts/lib-services.sh

services_for_this_run run
PORT="${PORT:-8000}"
export DEBUG=true PORT PYTHONUNBUFFERED=1
echo "==> migrate"
# Migrations run as the tables' owner; everything else as the app's role.
DATABASE_URL="${DATABASE_OWNER_URL:-$DATABASE_URL}" .venv/bin/python manage.py migrate --noinput
echo "==> demo data"
.venv/bin/python manage.py demo_data | tee .run/demo-logins.txt

# On exit (cleanup_add, scripts/lib-services.sh), before the PostgreSQL/Redis this run
# started go down, the processes are stopped by PID with SIGTERM: runserver's autoreloader
# then kills its child, and Celery's worker/beat do a warm shutdown of their pools.
pids=()
names=()

# shellcheck disable=SC2317  # reached only through cleanup_add
stop_all() {
    local i pid alive
    [ "${#pids[@]}" -gt 0 ] || return 0
    echo >&2
    echo "run: stopping web, worker and beat..." >&2
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    # Give them up to 15 s for a warm shutdown, then kill what is left.
    for i in $(seq 1 150); do
        alive=0
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            echo "run: pid $pid did not stop within 15 s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    wait 2>/dev/null || true
}
cleanup_add stop_all

start() {
    local name="$1"; shift
    "$@" </dev/null &
    pids+=("$!")
    names+=("$name")
    echo "run: started $name (pid $!): $*" >&2
}

start web .venv/bin/python manage.py runserver "127.0.0.1:$PORT"
start worker .venv/bin/celery -A coaching worker --loglevel=INFO --concurrency=2
start beat .venv/bin/celery -A coaching beat --loglevel=INFO --schedule .run/celerybeat-schedule
# Without a mail server of your own, emails (invitations, password resets) are
# printed here by a local SMTP sink, so their links can be followed.
if [ -z "${EMAIL_HOST:-}" ]; then
    start mail .venv/bin/python -m aiosmtpd -n -l 127.0.0.1:1025 -c aiosmtpd.handlers.Debugging
fi

banner() {
    echo
    echo "=================================================================="
    echo "  App: http://127.0.0.1:$PORT"
    echo "  $1"
    if [ -f .run/demo-logins.txt ]; then
        sed 's/^/  /' .run/demo-logins.txt
    fi
    echo "=================================================================="
    echo
}

banner "starting...  (Ctrl-C stops web, worker and beat)"

# Announce again once the web server accepts connections (bounded: 60 s), unless a
# process died meanwhile.
for _ in $(seq 1 300); do
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || break 2
    done
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        banner "ready.  (Ctrl-C stops web, worker and beat)"
        break
    fi
    sleep 0.2
done

# Exit as soon as any of the three exits.
set +e
if [ "${BASH_VERSINFO[0]}" -gt 4 ] || { [ "${BASH_VERSINFO[0]}" -eq 4 ] && [ "${BASH_VERSINFO[1]}" -ge 3 ]; }; then
    wait -n
    status=$?
else
    # bash < 4.3 (macOS /bin/bash) has no `wait -n`: poll.
    while :; do
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || break 2; done
        sleep 1
    done
    wait "$pid"
    status=$?
fi
set -e
for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
        echo "run: ${names[$i]} exited (status $status); stopping the others" >&2
    fi
done
[ "$status" -eq 0 ] && status=1
exit "$status"
