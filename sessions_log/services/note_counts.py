"""The note counts kept per coach (sessions_log.models.CoachNoteCounts): how
many of a coach's sessions have a note to write and how many wait for a
co-signature, so that a dashboard reads one row per coach instead of every
such session (at ten times the organisation, 112 notes to write a coach,
spread over a sessions table of a gigabyte).

Every write of Session.note_state goes through here: a closed or logged
session's note to write (`note_counts_add`), and each later state
(`note_state_set`), which moves the count in the statement that sets the
state, from the state it read under the row's lock. The counts are upserts
of differences, so two requests never lose each other's count.

The recompute, the drift count and the repair (all coaches, or some) are
here too; the nightly figures check (coaching/services/figures.py) runs
them with its own tables, and `note_states_recompute` repairs the counts
after it rewrote the states."""

from datetime import datetime

from common.statements import statement_run, statement_value

COUNTS = "sessions_log_coachnotecounts"

_ADD_SQL = """
INSERT INTO sessions_log_coachnotecounts AS k (coach_id, to_write, waiting)
VALUES (%(coach)s, %(to_write)s, %(waiting)s)
ON CONFLICT (coach_id) DO UPDATE
SET to_write = k.to_write + EXCLUDED.to_write, waiting = k.waiting + EXCLUDED.waiting
"""

# The state before is read with the row locked (a concurrent change is
# waited for and read as it committed); the count moves by what the state
# was and what it becomes: nothing when it stays.
_STATE_SET_SQL = """
WITH before AS (
    SELECT id, coach_id, note_state FROM sessions_log_session
    WHERE id = %(session)s AND (%(only_from)s = '' OR note_state = %(only_from)s)
    FOR UPDATE
),
changed AS (
    UPDATE sessions_log_session s SET note_state = %(state)s, note_state_at = %(at)s
    FROM before b WHERE s.id = b.id
    RETURNING b.coach_id, b.note_state AS was
)
INSERT INTO sessions_log_coachnotecounts AS k (coach_id, to_write, waiting)
SELECT coach_id,
       (%(state)s = 'to_write')::int - (was = 'to_write')::int,
       (%(state)s = 'awaiting_cosign')::int - (was = 'awaiting_cosign')::int
FROM changed
ON CONFLICT (coach_id) DO UPDATE
SET to_write = k.to_write + EXCLUDED.to_write, waiting = k.waiting + EXCLUDED.waiting
"""

# Only the coaches in %(coaches)s (None: every coach).
_SCOPE = "(%(coaches)s::bigint[] IS NULL OR coach_id = ANY(%(coaches)s::bigint[]))"

# From the sessions themselves: a coach with neither has no row here.
RECOMPUTE_SQL = f"""
SELECT coach_id,
       count(*) FILTER (WHERE note_state = 'to_write') AS to_write,
       count(*) FILTER (WHERE note_state = 'awaiting_cosign') AS waiting
FROM sessions_log_session
WHERE note_state IN ('to_write', 'awaiting_cosign') AND {_SCOPE}
GROUP BY coach_id
"""  # noqa: S608 - this module's own constant texts

# What differs: the count history gives for each coach whose kept row
# differs (0 for a kept row history has nothing for).
_DRIFT = f"""
SELECT coalesce(f.coach_id, k.coach_id) AS coach_id,
       coalesce(f.to_write, 0) AS to_write, coalesce(f.waiting, 0) AS waiting
FROM ({RECOMPUTE_SQL}) f
FULL JOIN (SELECT * FROM sessions_log_coachnotecounts WHERE {_SCOPE}) k
  ON k.coach_id = f.coach_id
WHERE (coalesce(f.to_write, 0), coalesce(f.waiting, 0))
      IS DISTINCT FROM (coalesce(k.to_write, 0), coalesce(k.waiting, 0))
"""  # noqa: S608 - this module's own constant texts

_DRIFT_SQL = f"SELECT count(*) FROM ({_DRIFT}) d"  # noqa: S608

_REPAIR_SQL = f"""
WITH drift AS MATERIALIZED ({_DRIFT}),
fixed AS (
    INSERT INTO sessions_log_coachnotecounts (coach_id, to_write, waiting)
    SELECT coach_id, to_write, waiting FROM drift
    ON CONFLICT (coach_id) DO UPDATE
    SET to_write = EXCLUDED.to_write, waiting = EXCLUDED.waiting
    RETURNING 1
)
SELECT count(*) FROM fixed
"""  # noqa: S608 - this module's own constant texts


def note_counts_add(*, coach_id: int, to_write: int = 0, waiting: int = 0) -> None:
    """A session of `coach_id` just got a note state from none (closed or
    logged: a note to write)."""
    statement_run(_ADD_SQL, {"coach": coach_id, "to_write": to_write, "waiting": waiting})


def note_state_set(session_id: int, state: str, *, at: datetime, only_from: str = "") -> None:
    """Set the session's note state (and since when), only if it is
    `only_from` when given; its coach's counts move in the same statement."""
    params = {"session": session_id, "state": state, "at": at, "only_from": only_from}
    statement_run(_STATE_SET_SQL, params)


def note_counts_drift(coaches: list[int] | None = None) -> int:
    """How many coaches' kept counts differ from their sessions (of
    `coaches` only, if given). Reads without locking."""
    return statement_value(_DRIFT_SQL, {"coaches": coaches})


def note_counts_repair(coaches: list[int] | None = None) -> int:
    """Write what the sessions say wherever a kept count differs (of
    `coaches` only, if given); returns how many coaches' rows it set right.
    The caller locks the table against writers first (LOCK TABLE COUNTS IN
    EXCLUSIVE MODE, in its transaction): a service's change then waits and
    lands on the repaired row."""
    return statement_value(_REPAIR_SQL, {"coaches": coaches})
