#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer for this project, or stop the ones we started.
#
#   scripts/services.sh up   [--state FILE]   start (or reuse) servers, write .run/env
#                                             (DATABASE_URL: the app's role; DATABASE_OWNER_URL:
#                                             the tables' owner, for migrate and rotate_keys)
#   scripts/services.sh down [--state FILE]   stop the servers recorded in FILE
#   scripts/services.sh down --all            stop the project-local servers, whoever started them
#   scripts/services.sh install [APT_PKG...]  install missing PostgreSQL/Redis (+ extra packages)
#   scripts/services.sh status                show what answers
#
# `up` uses $DATABASE_URL / $REDIS_URL when they are set and answer; otherwise it runs
# project-local servers: PostgreSQL in .run/pg (127.0.0.1:${LOCAL_PG_PORT:-54329}, database
# "coaching", owned by role "postgres"; the app connects as role "coaching_app", which may
# only read and write rows; trust auth from 127.0.0.1 only) and Redis in .run/redis
# (127.0.0.1:${LOCAL_REDIS_PORT:-63799}). A local server that is already running is reused
# and not recorded as started by this invocation.
#
# The state FILE (default .run/started, or $SERVICES_STATE) lists the servers that `up`
# started ("pg", "redis"); `down` with the same FILE stops exactly those. Callers that must
# not disturb each other (make test, make run) pass their own FILE.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/.run"
PG_PORT="${LOCAL_PG_PORT:-54329}"
REDIS_PORT="${LOCAL_REDIS_PORT:-63799}"
PG_DB=coaching
PG_APP_ROLE_NAME=coaching_app
PG_DIR="$RUN_DIR/pg"
REDIS_DIR="$RUN_DIR/redis"
REDIS_PIDFILE="$REDIS_DIR/redis.pid"
ENV_FILE="$RUN_DIR/env"
STATE_FILE="${SERVICES_STATE:-$RUN_DIR/started}"

log() { echo "services: $*" >&2; }
die() { echo "services: ERROR: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Quote for /bin/sh.
shquote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

# Run a command as the "postgres" OS user when we are root (initdb/pg_ctl refuse root),
# directly otherwise.
as_pg() {
    if is_root; then
        local cmd="cd / && exec" a
        for a in "$@"; do cmd+=" $(shquote "$a")"; done
        su postgres -s /bin/sh -c "$cmd"
    else
        "$@"
    fi
}

# ---------------------------------------------------------------- binaries / install

PG_BIN=""
find_pg_bin() {
    local d candidates=()
    if command -v pg_config >/dev/null 2>&1; then
        candidates+=("$(pg_config --bindir 2>/dev/null || true)")
    fi
    # versioned installs, newest version first
    while IFS= read -r d; do candidates+=("$d"); done < <(
        for d in /usr/lib/postgresql/*/bin /opt/homebrew/opt/postgresql@*/bin \
            /usr/local/opt/postgresql@*/bin; do
            if [ -d "$d" ]; then echo "$d"; fi
        done | sort -rV)
    candidates+=(/usr/local/bin /opt/homebrew/bin /usr/bin)
    for d in "${candidates[@]}"; do
        [ -n "$d" ] || continue
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/pg_isready" ] && [ -x "$d/psql" ]; then
            PG_BIN="$d"
            return 0
        fi
    done
    return 1
}

REDIS_SERVER=""
REDIS_CLI=""
find_redis_bin() {
    local d
    REDIS_SERVER="$(command -v redis-server 2>/dev/null || true)"
    REDIS_CLI="$(command -v redis-cli 2>/dev/null || true)"
    for d in /usr/local/bin /opt/homebrew/bin /usr/bin; do
        [ -z "$REDIS_SERVER" ] && [ -x "$d/redis-server" ] && REDIS_SERVER="$d/redis-server"
        [ -z "$REDIS_CLI" ] && [ -x "$d/redis-cli" ] && REDIS_CLI="$d/redis-cli"
    done
    [ -n "$REDIS_SERVER" ] && [ -n "$REDIS_CLI" ]
}

# Install missing PostgreSQL / Redis plus any extra Debian packages given as arguments.
cmd_install() {
    local pkgs=("$@")
    find_pg_bin || pkgs+=(postgresql)
    find_redis_bin || pkgs+=(redis-server redis-tools)
    [ "${#pkgs[@]}" -gt 0 ] || return 0
    if is_root && command -v apt-get >/dev/null 2>&1; then
        log "installing ${pkgs[*]} with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        # Debian's postgresql package creates (and may try to start) a cluster on port 5432;
        # we do not use it.
        apt-get install -y -q --no-install-recommends "${pkgs[@]}"
        find_pg_bin || die "PostgreSQL binaries still not found after installing"
        find_redis_bin || die "redis-server/redis-cli still not found after installing"
        return 0
    fi
    cat >&2 <<EOF
services: missing packages: ${pkgs[*]}
Install them, then re-run:
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install ${pkgs[*]}
  macOS:          brew install postgresql@15 redis
                  (chromium: brew install --cask chromium; npm: brew install node)
EOF
    exit 1
}

# ---------------------------------------------------------------- state file

state_has() { [ -f "$STATE_FILE" ] && grep -qx "$1" "$STATE_FILE"; }
state_add() {
    mkdir -p "$(dirname "$STATE_FILE")"
    state_has "$1" || echo "$1" >>"$STATE_FILE"
}
state_remove() {
    [ -f "$STATE_FILE" ] || return 0
    local rest
    rest="$(grep -vx "$1" "$STATE_FILE" || true)"
    if [ -n "$rest" ]; then printf '%s\n' "$rest" >"$STATE_FILE"; else rm -f "$STATE_FILE"; fi
}

# ---------------------------------------------------------------- PostgreSQL

pg_data() { echo "$PG_DIR/data"; }

pg_local_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }

pg_local_running() {
    [ -f "$(pg_data)/PG_VERSION" ] || return 1
    as_pg "$PG_BIN/pg_ctl" -D "$(pg_data)" status >/dev/null 2>&1
}

pg_wait_ready() {
    local i
    for i in $(seq 1 100); do
        pg_local_ready && return 0
        sleep 0.2
    done
    die "PostgreSQL does not answer on 127.0.0.1:$PG_PORT (log: .run/pg/log)"
}

pg_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

# Prepare .run/pg so that the postgres OS user (when we are root) can use it.
pg_prepare_dir() {
    mkdir -p "$PG_DIR"
    if is_root; then
        id postgres >/dev/null 2>&1 ||
            die "OS user 'postgres' does not exist (it comes with Debian's postgresql package)"
        chown postgres:postgres "$PG_DIR"
        chmod 700 "$PG_DIR"
        if ! su postgres -s /bin/sh -c "test -w $(shquote "$PG_DIR")"; then
            # Some parent directory (e.g. /root) is closed to the postgres user: keep the
            # cluster in a private directory under /tmp and point .run/pg at it.
            local alt
            alt="${TMPDIR:-/tmp}/coaching-pg-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
            log "postgres user cannot reach $PG_DIR; using $alt (linked from .run/pg)"
            rmdir "$PG_DIR" 2>/dev/null || true
            mkdir -p "$alt"
            chown postgres:postgres "$alt"
            chmod 700 "$alt"
            ln -sfn "$alt" "$PG_DIR"
            PG_DIR="$alt"
        fi
    fi
}

pg_write_config() {
    local data sockdir
    data="$(pg_data)"
    sockdir="$PG_DIR"
    # Unix socket paths are limited to ~107 bytes; use TCP only when the path is too long.
    if [ "${#sockdir}" -gt 90 ]; then sockdir=""; fi
    as_pg /bin/sh -c "cat > $(shquote "$data/project.conf")" <<EOF
# Written by scripts/services.sh on every start; edit that script instead.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sockdir'
unix_socket_permissions = 0700
max_connections = 100
synchronous_commit = off
# As a production server would have it (a quarter of its memory is the
# usual advice): with the default 128MB, the benchmark's statewide
# organisation read its indexes' pages from the kernel's cache on every
# request. Memory is taken as it is used.
shared_buffers = ${PG_SHARED_BUFFERS:-2GB}
EOF
    as_pg /bin/sh -c "cat > $(shquote "$data/pg_hba.conf")" <<EOF
# Written by scripts/services.sh. Development/test server: no passwords.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
EOF
}

pg_up() {
    if [ -n "${DATABASE_URL:-}" ]; then
        if "$PG_BIN/pg_isready" -q -d "$DATABASE_URL" -t 5; then
            log "PostgreSQL: using DATABASE_URL from the environment"
            PG_URL="$DATABASE_URL"
            PG_OWNER_URL="${DATABASE_OWNER_URL:-$DATABASE_URL}"
            PG_APP_ROLE="${DATABASE_APP_ROLE:-}"
            return 0
        fi
        log "PostgreSQL: DATABASE_URL is set but does not answer; using a project-local server"
    fi
    # The tables' owner runs migrations and key rotation; the app's processes
    # connect as a role that may only read and write rows (common/database.py).
    PG_OWNER_URL="postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"
    PG_APP_ROLE="$PG_APP_ROLE_NAME"
    PG_URL="postgres://$PG_APP_ROLE@127.0.0.1:$PG_PORT/$PG_DB"

    if pg_local_running; then
        log "PostgreSQL: reusing the project-local server on 127.0.0.1:$PG_PORT"
        pg_wait_ready
    else
        if pg_local_ready; then
            die "something else answers on 127.0.0.1:$PG_PORT; set LOCAL_PG_PORT to a free port"
        fi
        pg_prepare_dir
        local data
        data="$(pg_data)"
        if [ ! -f "$data/PG_VERSION" ]; then
            log "PostgreSQL: initdb in $data"
            as_pg "$PG_BIN/initdb" -D "$data" -U postgres -E UTF8 --no-locale \
                --auth=trust >"$PG_DIR/initdb.log" 2>&1 ||
                { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
            as_pg /bin/sh -c "echo \"include_if_exists = 'project.conf'\" >> $(shquote "$data/postgresql.conf")"
        fi
        pg_write_config
        log "PostgreSQL: starting on 127.0.0.1:$PG_PORT (log: .run/pg/log)"
        if ! as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$PG_DIR/log" -w -t 60 start >/dev/null; then
            tail -n 30 "$PG_DIR/log" >&2 || true
            die "PostgreSQL did not start"
        fi
        state_add pg
        pg_wait_ready
    fi

    if [ "$(pg_psql -d postgres -tAc "select 1 from pg_database where datname = '$PG_DB'")" != 1 ]; then
        log "PostgreSQL: creating database $PG_DB"
        pg_psql -d postgres -c "create database $PG_DB"
    fi
    if [ "$(pg_psql -d postgres -tAc "select 1 from pg_roles where rolname = '$PG_APP_ROLE'")" != 1 ]; then
        log "PostgreSQL: creating role $PG_APP_ROLE (the app's: rows only, owns nothing)"
        pg_psql -d postgres -c "create role $PG_APP_ROLE login nosuperuser nocreatedb nocreaterole"
    fi
    # No temporary tables for the app (they can shadow what the lock triggers read);
    # sessions_log 0016 does the same for every database it migrates.
    pg_psql -d postgres -c "revoke temporary on database $PG_DB from public, $PG_APP_ROLE"
}

pg_down() {
    if pg_local_running; then
        log "PostgreSQL: stopping the project-local server"
        as_pg "$PG_BIN/pg_ctl" -D "$(pg_data)" -m fast -w -t 60 stop >/dev/null
    fi
}

# ---------------------------------------------------------------- Redis

redis_pid() {
    local pid
    [ -f "$REDIS_PIDFILE" ] || return 1
    pid="$(cat "$REDIS_PIDFILE" 2>/dev/null)"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

redis_local_ping() {
    [ "$("$REDIS_CLI" -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

redis_up() {
    if [ -n "${REDIS_URL:-}" ]; then
        if [ "$("$REDIS_CLI" -u "$REDIS_URL" ping 2>/dev/null)" = PONG ]; then
            log "Redis: using REDIS_URL from the environment"
            RD_URL="$REDIS_URL"
            return 0
        fi
        log "Redis: REDIS_URL is set but does not answer; using a project-local server"
    fi
    RD_URL="redis://127.0.0.1:$REDIS_PORT/0"

    if redis_pid >/dev/null && redis_local_ping; then
        log "Redis: reusing the project-local server on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    if redis_local_ping; then
        die "something else answers on 127.0.0.1:$REDIS_PORT; set LOCAL_REDIS_PORT to a free port"
    fi
    mkdir -p "$REDIS_DIR"
    rm -f "$REDIS_PIDFILE"
    log "Redis: starting on 127.0.0.1:$REDIS_PORT (log: .run/redis/log)"
    "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
        --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_DIR/log" --dir "$REDIS_DIR" \
        --save "" --appendonly no
    state_add redis
    local i
    for i in $(seq 1 100); do
        redis_local_ping && break
        if [ "$i" -eq 100 ]; then
            tail -n 30 "$REDIS_DIR/log" >&2 || true
            die "Redis does not answer on 127.0.0.1:$REDIS_PORT"
        fi
        sleep 0.1
    done
}

redis_down() {
    local pid i
    pid="$(redis_pid)" || return 0
    log "Redis: stopping the project-local server (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "Redis: still running after 10s, sending SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$REDIS_PIDFILE"
}

# ---------------------------------------------------------------- commands

write_env() {
    mkdir -p "$RUN_DIR"
    local tmp="$ENV_FILE.tmp.$$"
    {
        echo "# Written by scripts/services.sh up"
        echo "export DATABASE_URL=$(shquote "$PG_URL")"
        echo "export DATABASE_OWNER_URL=$(shquote "$PG_OWNER_URL")"
        echo "export DATABASE_APP_ROLE=$(shquote "$PG_APP_ROLE")"
        echo "export REDIS_URL=$(shquote "$RD_URL")"
    } >"$tmp"
    mv -f "$tmp" "$ENV_FILE"
}

cmd_up() {
    cmd_install
    mkdir -p "$RUN_DIR"
    # Entries in the state file for servers that are gone are stale.
    if state_has pg && ! pg_local_running; then state_remove pg; fi
    if state_has redis && ! redis_pid >/dev/null; then state_remove redis; fi
    pg_up
    redis_up
    write_env
    log "ready: DATABASE_URL=$PG_URL REDIS_URL=$RD_URL (also in .run/env)"
}

cmd_down() {
    local all="$1"
    if [ "$all" = 1 ] || state_has pg; then
        find_pg_bin && pg_down
        state_remove pg
    fi
    if [ "$all" = 1 ] || state_has redis; then
        redis_down
        state_remove redis
    fi
    [ "$all" = 1 ] && rm -f "$STATE_FILE"
    return 0
}

cmd_status() {
    find_pg_bin || true
    find_redis_bin || true
    if [ -n "$PG_BIN" ] && pg_local_ready; then echo "pg:    answers on 127.0.0.1:$PG_PORT"; else echo "pg:    not running"; fi
    if [ -n "$REDIS_CLI" ] && redis_local_ping; then echo "redis: answers on 127.0.0.1:$REDIS_PORT"; else echo "redis: not running"; fi
    [ -f "$ENV_FILE" ] && cat "$ENV_FILE"
    return 0
}

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[ $# -ge 1 ] || usage
cmd="$1"; shift
all=0
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --state) STATE_FILE="$2"; shift 2 ;;
        --state=*) STATE_FILE="${1#--state=}"; shift ;;
        --all) all=1; shift ;;
        *) args+=("$1"); shift ;;
    esac
done
case "$STATE_FILE" in /*) ;; *) STATE_FILE="$PWD/$STATE_FILE" ;; esac
# .run/pg may be a link to a directory the postgres user can reach (see pg_prepare_dir).
if [ -L "$PG_DIR" ]; then
    if [ -d "$PG_DIR" ]; then PG_DIR="$(cd -P "$PG_DIR" && pwd)"; else rm -f "$PG_DIR"; fi
fi

case "$cmd" in
    up) cmd_up ;;
    down) cmd_down "$all" ;;
    install) cmd_install ${args[@]+"${args[@]}"} ;;
    status) cmd_status ;;
    *) usage ;;
esac
