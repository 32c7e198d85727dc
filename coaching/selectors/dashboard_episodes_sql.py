"""The team dashboard's episodes panel (active episodes, admissions and
discharges per month and discharge reason) as one grouped statement,
prepared on the server; episodes.episode_month_figures stays the reference
its tests hold it equal to.

Two static texts, not one with `every OR coach_id = ANY(ids)`: an OR of a
parameter forbids the index on the coach for the whole statement, so a
supervisor's panel read every active relationship of the organisation."""

from datetime import date

from django.db import connection

from coaching.models import Episode
from common.fastpaths import bigint_array

_MONTHS = """
WITH month AS (
    SELECT m.i, m.start, lead(m.start) OVER (ORDER BY m.i) AS stop
    FROM unnest(%(starts)s::date[]) WITH ORDINALITY AS m(start, i)
),
"""
_FIGURES = """
SELECT m.i, e.discharge_reason,
       count(*) AS active,
       count(*) FILTER (WHERE e.intake_date >= m.start) AS admitted,
       count(*) FILTER (WHERE e.discharge_date >= m.start AND e.discharge_date < m.stop)
           AS discharged
FROM month m
JOIN episode e
  ON e.intake_date < m.stop AND (e.discharge_date IS NULL OR e.discharge_date >= m.start)
WHERE m.stop IS NOT NULL
GROUP BY m.i, e.discharge_reason
"""


def _statement(episodes: str) -> str:
    """The months, the `episodes` CTE given, and the figures."""
    return f"{_MONTHS}{episodes}{_FIGURES}"


# Per month (starts given, each ending where the next begins) and discharge
# reason, the episodes active in the month, admitted in it and discharged in
# it, of the clients of the active relationships the viewer's figures cover.
# An episode admitted or discharged in a month was active in it: the join on
# "active" finds them all.
EPISODE_MONTHS_SQL = {
    # An admin's: every active relationship's client. The whole
    # organisation's episodes of the months are read once and each checked
    # (materialized: before the months' join, not once per month); it grows
    # with the organisation (docs/scaling.md).
    "every": _statement("""
episode AS MATERIALIZED (
    SELECT e.intake_date, e.discharge_date, e.discharge_reason
    FROM coaching_episode e
    WHERE e.intake_date < %(last)s::date
      AND (e.discharge_date IS NULL OR e.discharge_date >= %(first)s::date)
      AND e.client_id IN (
        SELECT a.client_id
        FROM accounts_caseloadassignment a
        JOIN accounts_user c ON c.id = a.client_id
        WHERE a.ended_at IS NULL AND c.role = 'client'
    )
)"""),
    # The clients of the given coaches' active relationships, each read by
    # key: the coach's index, then the client's episodes, and the client's
    # row (the policy's "a client") for each episode found only, not for
    # every client (the subqueries keep them look-ups per client; a join
    # lets PostgreSQL hash every person or every episode, which grows with
    # the organisation).
    "coaches": _statement("""
client AS (
    SELECT DISTINCT a.client_id
    FROM accounts_caseloadassignment a
    WHERE a.ended_at IS NULL AND a.coach_id = ANY(%(ids)s::bigint[])
),
episode AS (
    SELECT e.intake_date, e.discharge_date, e.discharge_reason
    FROM client
    CROSS JOIN LATERAL (
        SELECT e.intake_date, e.discharge_date, e.discharge_reason
        FROM coaching_episode e
        WHERE e.client_id = client.client_id
          AND e.intake_date < %(last)s::date
          AND (e.discharge_date IS NULL OR e.discharge_date >= %(first)s::date)
          AND (SELECT c.role FROM accounts_user c WHERE c.id = e.client_id) = 'client'
        OFFSET 0
    ) e
)"""),
}


def _month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` months to this one, and of the
    next (where the last ends)."""
    starts = []
    for back in range(months - 1, -2, -1):
        number = today.year * 12 + today.month - 1 - back
        starts.append(date(number // 12, number % 12 + 1, 1))
    return starts


def episode_month_rows(coach_ids: list[int] | None, today: date, months: int) -> list:
    """What episodes.episode_month_figures gives: for the clients of
    `coach_ids`' active relationships (a supervisor's team, or the team an
    admin picked), or of every active relationship (None: an admin's every
    team). One grouped prepared statement."""
    starts = _month_starts(today, months)
    params = {
        "starts": "{" + ",".join(day.isoformat() for day in starts) + "}",
        "first": starts[0],
        "last": starts[-1],
    }
    if coach_ids is not None:
        params["ids"] = bigint_array(coach_ids)
    with connection.prepared_cursor() as cursor:
        cursor.execute(EPISODE_MONTHS_SQL["every" if coach_ids is None else "coaches"], params)
        found = cursor.fetchall()
    # Each reason's label in the viewer's language, made once: a lazy label
    # used as a key is translated again each time it is hashed (57 -> 28 µs
    # of Python a call).
    reasons = {reason.value: str(reason.label) for reason in Episode.DischargeReason}
    figures = [
        {
            "month": start,
            "active": 0,
            "admitted": 0,
            "discharged": 0,
            "by_reason": dict.fromkeys(reasons.values(), 0),
        }
        for start in starts[:-1]
    ]
    for index, reason, active, admitted, discharged in found:
        month = figures[index - 1]
        month["active"] += active
        month["admitted"] += admitted
        if reason in reasons:
            month["by_reason"][reasons[reason]] += discharged
            month["discharged"] += discharged
    return figures
