"""The statements that recompute the kept figures (coaching/models/figures.py)
from history, compare them with the kept rows and repair those that
differ: the nightly check's and the repairs' (coaching/services/figures.py
runs them). Parameters: zone (the organisation's calendar), ids (the
relationships, or NULL for all), points (TRUST_SPARKLINE_POINTS), coaches
(the coaches' days to repair, where scoped)."""

# Only the coaches in %(coaches)s: the repair after history was removed past
# the services (coach_figures_repair); each side an index walk per coach.
_SOME_COACHES = "AND coach_id = ANY(%(coaches)s::bigint[])"


def _recompute_coach_days(scope: str = "") -> str:
    """Per coach and day, from the sessions and check-ins themselves. No
    zero rows. `scope`: "" (every coach) or _SOME_COACHES."""
    return f"""
SELECT coalesce(s.coach_id, c.coach_id) AS coach_id, coalesce(s.day, c.day) AS day,
       coalesce(s.completed, 0) AS completed, coalesce(s.no_shows, 0) AS no_shows,
       coalesce(c.checkins, 0) AS checkins, coalesce(c.score_sum, 0) AS checkin_score_sum
FROM (
    SELECT coach_id, (starts_at AT TIME ZONE %(zone)s)::date AS day,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status = 'no_show') AS no_shows
    FROM sessions_log_session
    WHERE status IN ('completed', 'no_show') {scope}
    GROUP BY 1, 2
) s
FULL JOIN (
    SELECT coach_id, (created_at AT TIME ZONE %(zone)s)::date AS day,
           count(*) AS checkins, sum(score) AS score_sum
    FROM coaching_checkin
    WHERE true {scope}
    GROUP BY 1, 2
) c ON c.coach_id = s.coach_id AND c.day = s.day
"""  # noqa: S608 - this module's own constant texts


RECOMPUTE_COACH_DAYS_SQL = _recompute_coach_days()

# Per relationship (all of them, or those in %(ids)s), from the plan, the
# completed sessions with its coach, the attempts to reach the client and
# its check-ins (the newest %(points)s scores) (each an index walk:
# (client, starts_at), the partial (client, at) on reached, (client, at),
# (assignment, created_at)).
RECOMPUTE_RELATIONSHIPS_SQL = """
SELECT a.id AS assignment_id, a.coach_id, a.started_at, a.ended_at IS NULL AS active,
       p.last_agreed_at AS plan_agreed_at,
       GREATEST(
           (SELECT max(s.ends_at) FROM sessions_log_session s
            WHERE s.client_id = a.client_id AND s.coach_id = a.coach_id
              AND s.status = 'completed'),
           (SELECT max(o.at) FROM coaching_outreachattempt o
            WHERE o.client_id = a.client_id AND o.outcome = 'reached')
       ) AS last_contact_at,
       (SELECT max(o.at) FROM coaching_outreachattempt o
        WHERE o.client_id = a.client_id) AS last_attempt_at,
       coalesce((SELECT array_agg(k.score ORDER BY k.created_at, k.id)
                 FROM (SELECT ci.score, ci.created_at, ci.id FROM coaching_checkin ci
                       WHERE ci.assignment_id = a.id
                       ORDER BY ci.created_at DESC, ci.id DESC LIMIT %(points)s) k),
                '{}') AS checkin_scores,
       (SELECT max(ci.created_at) FROM coaching_checkin ci
        WHERE ci.assignment_id = a.id) AS last_checkin_at
FROM accounts_caseloadassignment a
LEFT JOIN coaching_plan p ON p.client_id = a.client_id
WHERE %(ids)s::bigint[] IS NULL OR a.id = ANY(%(ids)s::bigint[])
"""

# A relationship's kept row, as the recompute gives it.
_RELATIONSHIP_COLUMNS = (
    "assignment_id, coach_id, started_at, active, plan_agreed_at, last_contact_at,"
    " last_attempt_at, checkin_scores, last_checkin_at"
)
_RELATIONSHIP_FIGURES = _RELATIONSHIP_COLUMNS.split(", ")[1:]
_RELATIONSHIP_SET = ", ".join(f"{column} = EXCLUDED.{column}" for column in _RELATIONSHIP_FIGURES)

START_SQL = f"""
INSERT INTO coaching_relationshipfigures ({_RELATIONSHIP_COLUMNS})
SELECT * FROM ({RECOMPUTE_RELATIONSHIPS_SQL}) fresh
ON CONFLICT (assignment_id) DO UPDATE SET {_RELATIONSHIP_SET}
"""  # noqa: S608 - this module's own constant texts


# What differs between the kept rows and history: one row per difference,
# with `gone` when the kept row should not exist at all.
def _coach_day_drift(scope: str = "") -> str:
    return f"""
SELECT coalesce(f.coach_id, k.coach_id) AS coach_id, coalesce(f.day, k.day) AS day,
       coalesce(f.completed, 0) AS completed, coalesce(f.no_shows, 0) AS no_shows,
       coalesce(f.checkins, 0) AS checkins,
       coalesce(f.checkin_score_sum, 0) AS checkin_score_sum,
       f.coach_id IS NULL AS gone
FROM ({_recompute_coach_days(scope)}) f
FULL JOIN (SELECT * FROM coaching_coachdayfigures WHERE true {scope}) k
  ON k.coach_id = f.coach_id AND k.day = f.day
WHERE (coalesce(f.completed, 0), coalesce(f.no_shows, 0), coalesce(f.checkins, 0),
       coalesce(f.checkin_score_sum, 0))
      IS DISTINCT FROM
      (coalesce(k.completed, 0), coalesce(k.no_shows, 0), coalesce(k.checkins, 0),
       coalesce(k.checkin_score_sum, 0))
"""  # noqa: S608 - this module's own constant texts


_COACH_DAY_DRIFT = _coach_day_drift()

_RELATIONSHIP_DRIFT = f"""
SELECT f.*, false AS gone
FROM ({RECOMPUTE_RELATIONSHIPS_SQL}) f
LEFT JOIN coaching_relationshipfigures k ON k.assignment_id = f.assignment_id
WHERE k.assignment_id IS NULL
   OR ({", ".join(f"f.{column}" for column in _RELATIONSHIP_FIGURES)})
      IS DISTINCT FROM ({", ".join(f"k.{column}" for column in _RELATIONSHIP_FIGURES)})
"""  # noqa: S608 - this module's own constant texts

COACH_DAY_DRIFT_SQL = f"SELECT count(*) FROM ({_COACH_DAY_DRIFT}) d"  # noqa: S608
RELATIONSHIP_DRIFT_SQL = f"SELECT count(*) FROM ({_RELATIONSHIP_DRIFT}) d"  # noqa: S608


# The repairs: one statement per table, writing what history says where the
# kept rows differ; each returns how many rows it set right.
def _coach_day_repair(scope: str = "") -> str:
    return f"""
WITH drift AS MATERIALIZED ({_coach_day_drift(scope)}),
gone AS (
    DELETE FROM coaching_coachdayfigures k USING drift d
    WHERE d.gone AND k.coach_id = d.coach_id AND k.day = d.day
    RETURNING 1
),
fixed AS (
    INSERT INTO coaching_coachdayfigures
        (coach_id, day, completed, no_shows, checkins, checkin_score_sum)
    SELECT coach_id, day, completed, no_shows, checkins, checkin_score_sum
    FROM drift WHERE NOT gone
    ON CONFLICT (coach_id, day) DO UPDATE
    SET completed = EXCLUDED.completed, no_shows = EXCLUDED.no_shows,
        checkins = EXCLUDED.checkins, checkin_score_sum = EXCLUDED.checkin_score_sum
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM fixed)
"""  # noqa: S608 - this module's own constant texts


COACH_DAY_REPAIR_SQL = _coach_day_repair()
SOME_COACH_DAYS_REPAIR_SQL = _coach_day_repair(_SOME_COACHES)

RELATIONSHIP_REPAIR_SQL = f"""
WITH drift AS MATERIALIZED ({_RELATIONSHIP_DRIFT}),
fixed AS (
    INSERT INTO coaching_relationshipfigures ({_RELATIONSHIP_COLUMNS})
    SELECT {_RELATIONSHIP_COLUMNS} FROM drift
    ON CONFLICT (assignment_id) DO UPDATE SET {_RELATIONSHIP_SET}
    RETURNING 1
)
SELECT count(*) FROM fixed
"""  # noqa: S608 - this module's own constant texts
