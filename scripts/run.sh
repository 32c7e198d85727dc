#!/usr/bin/env bash
# `make run`: start (or reuse) PostgreSQL and Redis, apply migrations, load the demo data
# (its logins go to .run/demo-logins.txt), then run the web server on
# http://127.0.0.1:$PORT (default 8000), a Celery worker and Celery beat in the foreground
# (plus a local SMTP sink on 127.0.0.1:$MAIL_SINK_PORT, default 1025, unless EMAIL_HOST is
# set, and a local Twilio-speaking text sink on 127.0.0.1:$TEXT_SINK_PORT, default 1026,
# unless TWILIO_ACCOUNT_SID is set). Ctrl-C (or any one of them exiting) stops them all,
# then the PostgreSQL/Redis that this run started.
#
#   scripts/run.sh check-ports   only say whether the ports this run needs are free (make run
#                                does this before installing anything)
#
# Expects .venv to be installed (make run does that). The database and Redis come from
# scripts/services.sh: $DATABASE_URL / $REDIS_URL when set and answering, else project-local.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib-services.sh
. scripts/lib-services.sh

PORT="${PORT:-8000}"
MAIL_SINK_PORT="${MAIL_SINK_PORT:-1025}"
TEXT_SINK_PORT="${TEXT_SINK_PORT:-1026}"
LOCAL_PG_PORT="${LOCAL_PG_PORT:-54329}"
LOCAL_REDIS_PORT="${LOCAL_REDIS_PORT:-63799}"

# Whether something accepts connections on host:port (bash's /dev/tcp, bounded).
answers() {
    local host="$1" port="$2"
    if command -v timeout >/dev/null 2>&1; then
        timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
    else
        (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
    fi
}

# host and port of a postgres:// or redis:// URL ("" when it names none, e.g. a socket).
url_host_port() {
    local url="$1" default_port="$2" rest hostport
    rest="${url#*://}"
    rest="${rest%%/*}"
    rest="${rest%%\?*}"
    hostport="${rest##*@}"
    [ -n "$hostport" ] || return 0
    case "$hostport" in
        \[*\]:*) echo "${hostport%:*} ${hostport##*:}" ;;
        *:*) echo "${hostport%%:*} ${hostport##*:}" ;;
        *) echo "$hostport $default_port" ;;
    esac
}

# The first port after $1 that nothing answers on (a suggestion).
free_port_after() {
    local port=$(($1 + 1))
    while answers 127.0.0.1 "$port" && [ "$port" -lt $(($1 + 50)) ]; do port=$((port + 1)); done
    echo "$port"
}

# This checkout's own PostgreSQL / Redis, left running by `make services-up`, may answer:
# `make run` reuses them.
own_pg_on() {
    local pidfile="$ROOT/.run/pg/data/postmaster.pid" pid
    [ -r "$pidfile" ] || return 1
    pid="$(sed -n 1p "$pidfile")"
    [ "$(sed -n 4p "$pidfile")" = "$1" ] && kill -0 "$pid" 2>/dev/null
}
own_redis_on() {
    local pidfile="$ROOT/.run/redis/redis.pid" pid
    [ -r "$pidfile" ] || return 1
    pid="$(cat "$pidfile")"
    kill -0 "$pid" 2>/dev/null || return 1
    # Its port, where /proc tells (Linux); elsewhere a live pid is taken as ours.
    [ -r "/proc/$pid/cmdline" ] || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q ":$1\b"
}

check_ports() {
    local taken=() hp
    if answers 127.0.0.1 "$PORT"; then
        taken+=("web server: 127.0.0.1:$PORT is taken; set PORT (e.g. PORT=$(free_port_after "$PORT"))")
    fi
    if [ -z "${EMAIL_HOST:-}" ] && answers 127.0.0.1 "$MAIL_SINK_PORT"; then
        taken+=("mail sink: 127.0.0.1:$MAIL_SINK_PORT is taken; set MAIL_SINK_PORT (e.g. MAIL_SINK_PORT=$(free_port_after "$MAIL_SINK_PORT"))")
    fi
    if [ -z "${TWILIO_ACCOUNT_SID:-}" ] && answers 127.0.0.1 "$TEXT_SINK_PORT"; then
        taken+=("text sink: 127.0.0.1:$TEXT_SINK_PORT is taken; set TEXT_SINK_PORT (e.g. TEXT_SINK_PORT=$(free_port_after "$TEXT_SINK_PORT"))")
    fi
    hp="$(url_host_port "${DATABASE_URL:-}" 5432)"
    # shellcheck disable=SC2086  # "host port"
    if [ -n "${DATABASE_URL:-}" ] && [ -n "$hp" ] && answers $hp; then
        :  # services.sh uses DATABASE_URL
    elif answers 127.0.0.1 "$LOCAL_PG_PORT" && ! own_pg_on "$LOCAL_PG_PORT"; then
        taken+=("PostgreSQL: 127.0.0.1:$LOCAL_PG_PORT is taken by another server; set LOCAL_PG_PORT (e.g. LOCAL_PG_PORT=$(free_port_after "$LOCAL_PG_PORT")) or DATABASE_URL")
    fi
    hp="$(url_host_port "${REDIS_URL:-}" 6379)"
    # shellcheck disable=SC2086
    if [ -n "${REDIS_URL:-}" ] && [ -n "$hp" ] && answers $hp; then
        :  # services.sh uses REDIS_URL
    elif answers 127.0.0.1 "$LOCAL_REDIS_PORT" && ! own_redis_on "$LOCAL_REDIS_PORT"; then
        taken+=("Redis: 127.0.0.1:$LOCAL_REDIS_PORT is taken by another server; set LOCAL_REDIS_PORT (e.g. LOCAL_REDIS_PORT=$(free_port_after "$LOCAL_REDIS_PORT")) or REDIS_URL")
    fi
    if [ "${#taken[@]}" -gt 0 ]; then
        echo "run: another program (another checkout's make run?) holds a port this run needs:" >&2
        printf '  %s\n' "${taken[@]}" >&2
        echo "run: nothing was installed or started; set those variables and run again" >&2
        return 1
    fi
    echo "run: ports free: web $PORT, mail sink $MAIL_SINK_PORT, text sink $TEXT_SINK_PORT, PostgreSQL $LOCAL_PG_PORT, Redis $LOCAL_REDIS_PORT"
}

if [ "${1:-}" = check-ports ]; then
    check_ports
    exit
fi
# Checked again: another run may have taken one since make checked.
check_ports

services_for_this_run run
# Settings follow these under DEBUG: SITE_URL (links in emails) is
# http://127.0.0.1:$PORT unless set, EMAIL_PORT is MAIL_SINK_PORT.
export DEBUG=true PORT MAIL_SINK_PORT LOCAL_PG_PORT LOCAL_REDIS_PORT PYTHONUNBUFFERED=1
# Without a Twilio account of your own, texts go to the local text sink, which
# prints them and posts their delivery status back to the app, signed with this
# run's own token (web, worker and sink share it through the environment).
if [ -z "${TWILIO_ACCOUNT_SID:-}" ]; then
    TWILIO_ACCOUNT_SID="AC$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')"
    TWILIO_AUTH_TOKEN="$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')"
    TWILIO_FROM_NUMBER=+15005550006
    TWILIO_MESSAGING_SERVICE_SID=
    TWILIO_API_URL="http://127.0.0.1:$TEXT_SINK_PORT"
    TEXTS_HELP_PHONE="${TEXTS_HELP_PHONE:-+1 555 010 0100}"
    export TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN TWILIO_FROM_NUMBER TWILIO_MESSAGING_SERVICE_SID
    export TWILIO_API_URL TEXTS_HELP_PHONE
    text_sink=yes
else
    text_sink=
fi
APP_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
APP_URL="${APP_URL%/}"
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
# printed here by a local SMTP sink, decoded, so their links can be followed.
if [ -z "${EMAIL_HOST:-}" ]; then
    start mail .venv/bin/python -m aiosmtpd -n -l "127.0.0.1:$MAIL_SINK_PORT" \
        -c scripts.mail_sink.Printing
fi

# Texts, likewise, when no Twilio account is set: printed, and their status
# ("sent", "delivered") posted to the app as Twilio would.
if [ -n "$text_sink" ]; then
    start texts .venv/bin/python -m scripts.sms_sink --port "$TEXT_SINK_PORT" --print \
        --account-sid "$TWILIO_ACCOUNT_SID" --auth-token "$TWILIO_AUTH_TOKEN" \
        --status-callback "$APP_URL/texts/status/" --inbound-url "$APP_URL/texts/inbound/"
fi

banner() {
    echo
    echo "=================================================================="
    echo "  App: http://127.0.0.1:$PORT"
    if [ -z "${EMAIL_HOST:-}" ]; then
        echo "  Emails are printed here (mail sink on 127.0.0.1:$MAIL_SINK_PORT)"
    fi
    if [ -n "$text_sink" ]; then
        echo "  Texts are printed here (text sink on 127.0.0.1:$TEXT_SINK_PORT); to text the app"
        echo "  as a client: curl -d from=+15551234567 -d body=STOP 127.0.0.1:$TEXT_SINK_PORT/_sink/inbound"
    else
        echo "  Texts go through Twilio (TWILIO_ACCOUNT_SID is set): real phones get them"
    fi
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
