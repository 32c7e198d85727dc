# shellcheck shell=bash
# Sourced by scripts/test.sh, bench.sh, scan.sh and run.sh: PostgreSQL and Redis for the
# length of one run, and the cleanup when the run ends, however it ends.
#
#   services_for_this_run NAME   install the EXIT/INT/TERM traps, start (or reuse) the servers
#                                with state file .run/started.NAME.$$, source .run/env.
#                                Returns the status of `services.sh up` when that fails.
#   cleanup_add FUNCTION         run FUNCTION on exit, before the servers go down; the
#                                functions run last-added first (stop what started last
#                                first), each once, their failures ignored.
#
# On exit the script keeps its exit status; Ctrl-C makes it 130 and SIGTERM 143. Only the
# servers that this run started are stopped: services.sh records them in the state file,
# so servers reused from another run (say, a `make test` alongside `make run`) stay up.

SERVICES_LIB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_STATE_FILE=""
SERVICES_CLEANUP_STEPS=()

cleanup_add() {
    SERVICES_CLEANUP_STEPS+=("$1")
}

services_cleanup() {
    local status=$? i
    # Ignore INT/TERM from here on rather than resetting them: a second Ctrl-C (or
    # timeout(1) passing the signal on to the whole group) must not cut the cleanup short
    # and leave servers running. Every step below is bounded in time.
    trap - EXIT
    trap '' INT TERM
    for ((i = ${#SERVICES_CLEANUP_STEPS[@]} - 1; i >= 0; i--)); do
        "${SERVICES_CLEANUP_STEPS[$i]}" || true
    done
    if [ -n "$SERVICES_STATE_FILE" ]; then
        bash "$SERVICES_LIB_ROOT/scripts/services.sh" down --state "$SERVICES_STATE_FILE" || true
        rm -f "$SERVICES_STATE_FILE"
    fi
    exit "$status"
}

services_for_this_run() {
    local name="${1:?usage: services_for_this_run NAME}"
    mkdir -p "$SERVICES_LIB_ROOT/.run"
    # Our own state file, so that `down` stops what this run started and nothing else.
    SERVICES_STATE_FILE="$SERVICES_LIB_ROOT/.run/started.$name.$$"
    # Traps first: a failed `up` may already have started one of the two servers.
    trap services_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    bash "$SERVICES_LIB_ROOT/scripts/services.sh" up --state "$SERVICES_STATE_FILE" || return
    # shellcheck source=/dev/null
    . "$SERVICES_LIB_ROOT/.run/env"
}
