"""The team dashboard (a supervisor's team; every team for an admin) as two
static statements, prepared on the server.

The access policy gives the coaches the viewer reviews (one small query on
an index). One statement then reads, for those ids only, each coach's
figures: every table is aggregated once per coach (GROUP BY coach_id over
an index that holds what it counts). What would sum history comes from the
kept figures (coaching/models/figures.py, kept by the services in their
transaction, checked nightly): "quiet" (no successful contact for 14 days)
is a compare of each active relationship's RelationshipFigures
last_contact_at, not a probe of its sessions and attempts (its attempts are
counted only for the quiet ones); its plan's last agreement is the figures'
too; the 30-day counts and the trust means are sums of CoachDayFigures over
whole days of the organisation's calendar (caseloads.dashboard_days). A
second grouped statement gives the episodes panel (per month and discharge
reason). The rows come back as plain values with the URLs already made.

Both are static texts with the same parameter types whatever the viewer,
so psycopg prepares each once per connection. The figures' statement is
shaped so that PostgreSQL keeps its generic plan (below: re-planning it cost
~7 ms a request); the episodes one is cheap to plan and keeps custom plans.

The ORM selectors they replace (caseloads.team_dashboard and
episodes.episode_month_figures) stay as the reference the tests hold them
equal to: the reference reads history, so the two agree while the figures
do. The page shows figures only, no client: nothing to audit."""

import re
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from psycopg.types.numeric import Int8

from accounts.models import User
from accounts.policy.relationships import reviews_every_team, sees_private_requests
from coaching.models import Episode
from coaching.selectors.caseloads import (
    QUIET_AFTER,
    coaches_reviewable_by,
    dashboard_days,
    trust_direction,
)
from common.fastpaths import bigint_array, url_of

# The parameters that are days of the organisation's calendar (the figures' `day`).
DAY_PARAMETERS = ("today", "since_day", "trust_day")


def _values_unseen(text: str) -> str:
    """Each $name of `text` as a scalar subquery of the parameter (an
    InitPlan): $ids a bigint[] literal, the others times."""
    # (The cast after the subquery makes ANY(...) read it as an array.)
    types = {"ids": "bigint[])::bigint[]", **dict.fromkeys(DAY_PARAMETERS, "date)")}
    return re.sub(
        r"\$([a-z_]+)",
        lambda found: f"(SELECT %({found[1]})s::{types.get(found[1], 'timestamptz)')}",
        text,
    )


# Parameters: ids (bigint[] literal: the coaches the policy gives); the
# cut-offs computed from now; today and the first days of the two 30-day
# windows (dates, the figures' days); sees / team / viewer: the private requests
# the viewer may count (private_request_scope). Each value is read through
# a scalar subquery (an InitPlan): the planner then sees no value in a
# custom plan either, so its custom plans cost what the generic one does
# and PostgreSQL keeps the generic one after its five tries, instead of
# re-planning (~7 ms) on every request. Each table is read on its
# (coach_id, ...) index with the array.
DASHBOARD_SQL = _values_unseen("""
WITH coach AS MATERIALIZED (
    SELECT u.id, u.display_name, t.name AS team_name
    FROM accounts_user u
    LEFT JOIN accounts_team t ON t.id = u.team_id
    WHERE u.id = ANY($ids)
),
relationship AS (
    SELECT a.coach_id, a.client_id, a.started_at, f.plan_agreed_at,
           (a.started_at < $quiet_since
            AND (f.last_contact_at IS NULL OR f.last_contact_at < $quiet_since)) AS quiet
    FROM accounts_caseloadassignment a
    LEFT JOIN coaching_relationshipfigures f ON f.assignment_id = a.id
    WHERE a.coach_id = ANY($ids) AND a.ended_at IS NULL
),
rel AS (
    SELECT r.coach_id,
           count(*) AS active,
           count(*) FILTER (WHERE r.quiet) AS quiet,
           sum((SELECT count(*) FROM coaching_outreachattempt o
                WHERE o.client_id = r.client_id AND o.at >= $quiet_since))
               FILTER (WHERE r.quiet) AS quiet_attempts,
           count(*) FILTER (WHERE r.plan_agreed_at <= $review_before) AS review_due,
           count(*) FILTER (
               WHERE r.plan_agreed_at IS NULL AND r.started_at <= $agree_before
           ) AS not_agreed
    FROM relationship r
    GROUP BY r.coach_id
),
days AS (
    SELECT d.coach_id,
           sum(d.completed) FILTER (WHERE d.day >= $since_day) AS completed,
           sum(d.no_shows) FILTER (WHERE d.day >= $since_day) AS no_shows,
           sum(d.checkin_score_sum) FILTER (WHERE d.day >= $since_day) AS recent_sum,
           sum(d.checkins) FILTER (WHERE d.day >= $since_day) AS recent_n,
           sum(d.checkin_score_sum) FILTER (WHERE d.day < $since_day) AS before_sum,
           sum(d.checkins) FILTER (WHERE d.day < $since_day) AS before_n
    FROM coaching_coachdayfigures d
    WHERE d.coach_id = ANY($ids) AND d.day >= $trust_day AND d.day <= $today
    GROUP BY d.coach_id
),
overdue AS (
    SELECT s.coach_id, count(*) AS n
    FROM sessions_log_session s
    WHERE s.coach_id = ANY($ids)
      AND s.note_state = 'to_write' AND s.ends_at < $note_due
    GROUP BY s.coach_id
),
waiting AS (
    SELECT s.coach_id, count(*) AS n
    FROM sessions_log_session s
    WHERE s.coach_id = ANY($ids) AND s.note_state = 'awaiting_cosign'
    GROUP BY s.coach_id
),
open_flags AS (
    SELECT f.coach_id, count(*) AS n
    FROM coaching_trustflag f
    WHERE f.coach_id = ANY($ids) AND NOT (f.status = 'resolved')
    GROUP BY f.coach_id
),
resolved_flags AS (
    SELECT f.coach_id, count(*) AS n
    FROM coaching_trustflag f
    WHERE f.coach_id = ANY($ids)
      AND f.status = 'resolved' AND f.resolved_at >= $resolved_since
    GROUP BY f.coach_id
),
requests AS (
    SELECT r.coach_id, count(*) AS n
    FROM coaching_supervisorrequest r
    WHERE %(sees)s AND r.team_id = %(team)s AND r.coach_id <> %(viewer)s
      AND r.coach_id = ANY($ids) AND r.handled_at IS NULL
    GROUP BY r.coach_id
),
steps AS (
    SELECT st.coach_id, count(*) AS suggested,
           count(*) FILTER (WHERE st.state IN ('trying', 'done')) AS tried
    FROM coaching_step st
    WHERE st.coach_id = ANY($ids) AND st.suggested_by = 'coach'
      AND st.created_at >= $steps_since
    GROUP BY st.coach_id
)
SELECT coach.id, coach.display_name, coach.team_name,
       coalesce(rel.active, 0), coalesce(rel.quiet, 0),
       coalesce(rel.quiet_attempts, 0)::bigint,
       coalesce(rel.review_due, 0), coalesce(rel.not_agreed, 0),
       coalesce(days.completed, 0)::bigint, coalesce(days.no_shows, 0)::bigint,
       coalesce(overdue.n, 0), coalesce(waiting.n, 0),
       coalesce(days.recent_sum, 0)::bigint, coalesce(days.recent_n, 0)::bigint,
       coalesce(days.before_sum, 0)::bigint, coalesce(days.before_n, 0)::bigint,
       coalesce(open_flags.n, 0), coalesce(resolved_flags.n, 0), coalesce(requests.n, 0),
       coalesce(steps.suggested, 0), coalesce(steps.tried, 0)
FROM coach
LEFT JOIN rel ON rel.coach_id = coach.id
LEFT JOIN days ON days.coach_id = coach.id
LEFT JOIN overdue ON overdue.coach_id = coach.id
LEFT JOIN waiting ON waiting.coach_id = coach.id
LEFT JOIN open_flags ON open_flags.coach_id = coach.id
LEFT JOIN resolved_flags ON resolved_flags.coach_id = coach.id
LEFT JOIN requests ON requests.coach_id = coach.id
LEFT JOIN steps ON steps.coach_id = coach.id
ORDER BY coach.display_name, coach.id
""")

# The episodes panel: per month (starts given, each ending where the next
# begins) and discharge reason, the episodes active in the month, admitted
# in it and discharged in it, of the clients of the active relationships the
# viewer's figures cover (an admin: every one; otherwise the coaches given).
# An episode admitted or discharged in a month was active in it: the join
# on "active" finds them all.
EPISODE_MONTHS_SQL = """
WITH month AS (
    SELECT m.i, m.start, lead(m.start) OVER (ORDER BY m.i) AS stop
    FROM unnest(%(starts)s::date[]) WITH ORDINALITY AS m(start, i)
),
clients AS (
    SELECT DISTINCT a.client_id
    FROM accounts_caseloadassignment a
    JOIN accounts_user c ON c.id = a.client_id
    WHERE a.ended_at IS NULL AND c.role = 'client'
      AND (%(every)s OR a.coach_id = ANY(%(ids)s::bigint[]))
)
SELECT m.i, e.discharge_reason,
       count(*) AS active,
       count(*) FILTER (WHERE e.intake_date >= m.start) AS admitted,
       count(*) FILTER (WHERE e.discharge_date >= m.start AND e.discharge_date < m.stop)
           AS discharged
FROM month m
JOIN coaching_episode e
  ON e.intake_date < m.stop AND (e.discharge_date IS NULL OR e.discharge_date >= m.start)
WHERE m.stop IS NOT NULL AND e.client_id IN (SELECT client_id FROM clients)
GROUP BY m.i, e.discharge_reason
"""


def reviewed_coach_ids(user: User) -> list[int]:
    """The coaches whose caseload `user` reviews: the policy's."""
    return list(coaches_reviewable_by(user).order_by().values_list("pk", flat=True))


def team_dashboard_rows(user: User, now: datetime, coach_ids: list[int]) -> list[dict]:
    """One row per coach of `coach_ids` (the policy's, reviewed_coach_ids),
    ordered by name, with the figures of caseloads.team_dashboard as plain
    values: one prepared statement."""
    sees = sees_private_requests(user)
    days = dashboard_days(now)
    params = {
        "ids": bigint_array(coach_ids),
        "today": days.today,
        "since_day": days.since,
        "trust_day": days.trust_since,
        "quiet_since": now - QUIET_AFTER,
        "note_due": now - timedelta(hours=settings.NOTE_DUE_HOURS),
        "review_before": now - timedelta(days=settings.PLAN_REVIEW_DAYS),
        "agree_before": now - timedelta(days=settings.PLAN_AGREE_WITHIN_DAYS),
        "resolved_since": now - timedelta(days=settings.RESOLVED_FLAGS_SHOWN_DAYS),
        "steps_since": now - timedelta(days=90),
        "sees": sees,
        "team": Int8(user.team_id or 0),
        "viewer": Int8(user.pk),
    }
    with connection.prepared_cursor() as cursor:
        cursor.execute(DASHBOARD_SQL, params)
        found = cursor.fetchall()
    rows = []
    for (
        pk, name, team, active, quiet, quiet_attempts, review_due, not_agreed,
        completed, no_shows, overdue, waiting, recent_sum, recent_n, before_sum, before_n,
        open_flags, resolved, requests, suggested, tried,
    ) in found:  # fmt: skip
        # The means of the kept sums, as the reference takes them.
        mean = recent_sum / recent_n if recent_n else None
        earlier = before_sum / before_n if before_n else None
        rows.append(
            {
                "coach_id": pk,
                "name": name,
                "team": team,
                "active_clients": active,
                "completed_30": completed,
                "no_shows_30": no_shows,
                "quiet_clients": quiet,
                "quiet_attempts": quiet_attempts,
                "notes_overdue": overdue,
                "notes_waiting": waiting,
                "trust_mean": round(mean) if mean is not None else None,
                "trust_direction": trust_direction(mean, earlier),
                "open_flags": open_flags,
                "resolved_flags_30": resolved,
                "open_requests": requests if sees else None,
                "plans_review_due": review_due,
                "plans_not_agreed": not_agreed,
                "suggestions_tried": round(100 * tried / suggested) if suggested else None,
                "suggestions": {"suggested": suggested, "tried": tried},
            }
        )
    return rows


def _month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` months to this one, and of the
    next (where the last ends)."""
    starts = []
    for back in range(months - 1, -2, -1):
        number = today.year * 12 + today.month - 1 - back
        starts.append(date(number // 12, number % 12 + 1, 1))
    return starts


def episode_month_rows(user: User, coach_ids: list[int], today: date, months: int) -> list:
    """What episodes.episode_month_figures gives, for the dashboard's viewer
    (a supervisor: their team's coaches, `coach_ids`; an admin: every active
    relationship): one grouped prepared statement."""
    starts = _month_starts(today, months)
    params = {
        "starts": "{" + ",".join(day.isoformat() for day in starts) + "}",
        "every": reviews_every_team(user),
        "ids": bigint_array(coach_ids),
    }
    with connection.prepared_cursor() as cursor:
        cursor.execute(EPISODE_MONTHS_SQL, params)
        found = cursor.fetchall()
    reasons = {reason.value: reason.label for reason in Episode.DischargeReason}
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


def team_dashboard_for_viewing(user: User, now: datetime, today: date) -> dict:
    """What the team dashboard prints: a row per coach the user reviews (the
    policy's ids, then one statement), each with its page's URL, and the
    episodes panel's last three months (one more)."""
    coach_ids = reviewed_coach_ids(user)
    rows = team_dashboard_rows(user, now, coach_ids)
    for row in rows:
        row["url"] = url_of("coaching:coach_detail", row["coach_id"])
    return {"rows": rows, "episode_months": episode_month_rows(user, coach_ids, today, 3)}
