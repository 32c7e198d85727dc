"""The team dashboard (a supervisor's team; every team for an admin, or
one team they pick) as static statements, prepared on the server, a page
of DASHBOARD_PAGE coaches at a time.

The access policy's rule in SQL gives the coaches the viewer reviews, by
name (dashboard_coaches_sql.py: an admin's every team, the page's ids alone,
read in order from the coaches' name index; a team, every id). Sorted by
name, the page's ids are cut first, so the figures cost a page whatever the
organisation; sorted by a figure, every coach of the selection is computed and ranked,
then the page cut. One statement then reads, for those ids only, each
coach's figures: every table is aggregated once per coach (GROUP BY coach_id over
an index that holds what it counts). What would sum history comes from the
kept figures (coaching/models/figures.py, kept by the services in their
transaction, checked nightly): "quiet" (no successful contact for 14 days)
is a compare of each active relationship's RelationshipFigures
last_contact_at, not a probe of its sessions and attempts (its attempts are
counted only for the quiet ones whose kept last attempt is recent); its
plan's last agreement and its start are the figures' too, and so is which
relationships are active; the notes to write and waiting
are the coach's kept counts (sessions_log's CoachNoteCounts); the 30-day counts and the trust means
are sums of CoachDayFigures over whole days of the organisation's
calendar (caseloads.dashboard_days). A
second grouped statement gives the episodes panel (per month and discharge
reason; dashboard_episodes_sql.py). The rows come back as plain values
with the URLs already made.

Both are static texts with the same parameter types whatever the viewer,
so psycopg prepares each once per connection. The figures' statement is
shaped so that PostgreSQL keeps its generic plan (below: re-planning it cost
~7 ms a request); the episodes one is cheap to plan and keeps custom plans.

The ORM selectors they replace (caseloads.team_dashboard and
episodes.episode_month_figures) stay as the reference the tests hold them
equal to: the reference reads history, so the two agree while the figures
do. The page shows figures only, no client: nothing to audit."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from psycopg.types.numeric import Int8

from accounts.models import User
from accounts.policy.relationships import reviews_every_team, sees_private_requests
from coaching.selectors.caseloads import QUIET_AFTER, dashboard_days, trust_direction
from coaching.selectors.dashboard_coaches_sql import (
    NAME_SORTS,
    reviewed_coach_ids,
    reviewed_coach_page,
)
from coaching.selectors.dashboard_episodes_sql import episode_month_rows
from common.fastpaths import bigint_array, url_of
from common.paging import Page

# A page of the dashboard: 50 coaches. A supervisor's team (fewer) is one page.
DASHBOARD_PAGE = 50
# The parameters that are days of the organisation's calendar (the figures' `day`).
DAY_PARAMETERS = ("today", "since_day", "trust_day")


def _values_unseen(text: str) -> str:
    """Each $name of `text` as a scalar subquery of the parameter (an
    InitPlan): $ids a bigint[] literal, the others times."""
    # (The cast after the subquery makes ANY(...) read it as an array.)
    arrays = dict.fromkeys(("ids", "every"), "bigint[])::bigint[]")
    types = {**arrays, **dict.fromkeys(DAY_PARAMETERS, "date)")}
    return re.sub(
        r"\$([a-z_]+)",
        lambda found: f"(SELECT %({found[1]})s::{types.get(found[1], 'timestamptz)')}",
        text,
    )


# Parameters: ids (bigint[] literal: the coaches whose rows are computed:
# the page's, or every coach of the selection when sorted by a figure);
# every (bigint[]: every coach of the selection, for the banner); the
# cut-offs computed from now; today and the first days of the two 30-day
# windows (dates, the figures' days); sees / team / viewer: the private requests
# the viewer may count (private_request_scope). Each value is read through
# a scalar subquery (an InitPlan): the planner then sees no value in a
# custom plan either, so its custom plans cost what the generic one does
# and PostgreSQL keeps the generic one after its five tries, instead of
# re-planning (~7 ms) on every request. Each table is read on its
# (coach_id, ...) index with the array.
_DASHBOARD = """
WITH coach AS MATERIALIZED (
    SELECT u.id, u.display_name, t.name AS team_name
    FROM accounts_user u
    LEFT JOIN accounts_team t ON t.id = u.team_id
    WHERE u.id = ANY($ids)
),
-- A coach's active relationships from their kept figures alone (started_at,
-- active and the rest in one partial covering index, read once per coach),
-- not joined to the assignments' index. The client's id is looked up (by
-- key) only for a quiet client whose kept last attempt is recent.
rel AS (
    SELECT f.coach_id,
           count(*) AS active,
           count(*) FILTER (WHERE f.quiet) AS quiet,
           sum((SELECT count(*) FROM coaching_outreachattempt o
                JOIN accounts_caseloadassignment a ON a.client_id = o.client_id
                WHERE a.id = f.assignment_id AND o.at >= $quiet_since))
               FILTER (WHERE f.quiet AND f.last_attempt_at >= $quiet_since) AS quiet_attempts,
           count(*) FILTER (WHERE f.plan_agreed_at <= $review_before) AS review_due,
           count(*) FILTER (
               WHERE f.plan_agreed_at IS NULL AND f.started_at <= $agree_before
           ) AS not_agreed
    FROM (
        SELECT f.coach_id, f.assignment_id, f.started_at, f.plan_agreed_at, f.last_attempt_at,
               (f.started_at < $quiet_since
                AND (f.last_contact_at IS NULL OR f.last_contact_at < $quiet_since)) AS quiet
        FROM coaching_relationshipfigures f
        WHERE f.coach_id = ANY($ids) AND f.active
    ) f
    GROUP BY f.coach_id
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
-- The notes from the coaches' kept counts (sessions_log's CoachNoteCounts):
-- overdue, those to write less the ones not yet due (ended within
-- NOTE_DUE_HOURS: a short range of the to-write index), not a walk over
-- every note to write.
notes AS (
    SELECT k.coach_id, k.waiting,
           k.to_write - (SELECT count(*) FROM sessions_log_session s
                         WHERE s.coach_id = k.coach_id AND s.note_state = 'to_write'
                           AND s.ends_at >= $note_due) AS overdue
    FROM sessions_log_coachnotecounts k
    WHERE k.coach_id = ANY($ids)
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
-- The banner's private requests: over every coach of the selection (`every`:
-- empty for a viewer who sees none), not only the page's.
banner AS (
    SELECT count(*) AS n
    FROM coaching_supervisorrequest r
    WHERE %(sees)s AND r.team_id = %(team)s AND r.coach_id <> %(viewer)s
      AND r.coach_id = ANY($every) AND r.handled_at IS NULL
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
       coalesce(notes.overdue, 0), coalesce(notes.waiting, 0),
       coalesce(days.recent_sum, 0)::bigint, coalesce(days.recent_n, 0)::bigint,
       coalesce(days.before_sum, 0)::bigint, coalesce(days.before_n, 0)::bigint,
       coalesce(open_flags.n, 0), coalesce(resolved_flags.n, 0), coalesce(requests.n, 0),
       coalesce(steps.suggested, 0), coalesce(steps.tried, 0), (SELECT n FROM banner)
FROM coach
LEFT JOIN rel ON rel.coach_id = coach.id
LEFT JOIN days ON days.coach_id = coach.id
LEFT JOIN notes ON notes.coach_id = coach.id
LEFT JOIN open_flags ON open_flags.coach_id = coach.id
LEFT JOIN resolved_flags ON resolved_flags.coach_id = coach.id
LEFT JOIN requests ON requests.coach_id = coach.id
LEFT JOIN steps ON steps.coach_id = coach.id
"""
DASHBOARD_SQL = _values_unseen(_DASHBOARD)


def team_dashboard_rows(
    user: User, now: datetime, coach_ids: list[int], every: list[int] | None = None
) -> tuple[list[dict], int]:
    """One row per coach of `coach_ids` (the policy's, reviewed_coach_ids),
    in that order, with the figures of caseloads.team_dashboard as plain
    values; and the private requests waiting over `every` coach (default:
    those of `coach_ids`), for the banner. One prepared statement."""
    sees = sees_private_requests(user)
    days = dashboard_days(now)
    params = {
        "ids": bigint_array(coach_ids),
        # Only a viewer who sees private requests counts them.
        "every": bigint_array(coach_ids if every is None else every) if sees else "{}",
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
        open_flags, resolved, requests, suggested, tried, _banner,
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
    # The same on every row (an InitPlan); none without a row, nor then any coach.
    waiting_requests = found[0][-1] if found else 0
    position = {pk: index for index, pk in enumerate(coach_ids)}
    rows.sort(key=lambda row: position[row["coach_id"]])
    return rows, waiting_requests


@dataclass(frozen=True)
class _Pages:
    """What templates/includes/pager.html reads of a paginator ("Page n of N")."""

    num_pages: int


def _figure_value(row: dict, key: str):
    # Coaches without the figure (no score, no suggestion) after the others.
    value = row[key]
    return (value is None, value if value is not None else 0)


def team_dashboard_for_viewing(
    user: User, now: datetime, today: date, *, sort: str = "coach", page: int = 1,
    team: int | None = None,
) -> dict:  # fmt: skip
    """What the team dashboard prints: a page of DASHBOARD_PAGE rows of the
    coaches `user` reviews (of `team` only, if given), sorted by `sort` (a
    column key, "-" first for descending; the view checks it), each with its
    page's URL; the private requests waiting over every coach of the
    selection; the episodes panel's last three months (one more) of the
    selection; and whether `page` was past the end (page 1 is shown then)."""
    by_name = sort in NAME_SORTS
    # The panel counts the selection's clients: an admin's every team, every
    # active relationship (also those of a coach since made supervisor).
    every_team = team is None and reviews_every_team(user)
    if by_name and every_team and not sees_private_requests(user):
        # An admin's every team by name: the page's coaches read in order
        # from the coaches' name index and counted there, so the page costs
        # 50 coaches whatever the size of the organisation. (A team, or a
        # viewer whose banner counts every coach, reads every id below.)
        number = page
        shown_ids, total = reviewed_coach_page(
            user, team, sort, (page - 1) * DASHBOARD_PAGE, DASHBOARD_PAGE
        )
        if not shown_ids and total:
            # Past the end: the first page, as below.
            number = 1
            shown_ids, total = reviewed_coach_page(user, team, sort, 0, DASHBOARD_PAGE)
        rows, waiting = team_dashboard_rows(user, now, shown_ids)
        return _dashboard_page(rows, waiting, today, page, number, total, None)
    every = reviewed_coach_ids(user, team, sort if by_name else "coach")
    number = page if (page - 1) * DASHBOARD_PAGE < len(every) else 1
    start, stop = (number - 1) * DASHBOARD_PAGE, number * DASHBOARD_PAGE
    if by_name:
        # The page's coaches first; the banner over every one.
        rows, waiting = team_dashboard_rows(user, now, every[start:stop], every)
    else:
        # Ranked by a figure: every coach of the selection is computed, then
        # the page cut. For an admin's every team that is the whole
        # organisation (200 coaches at 1x, 2,000 at 10x: what the page cost
        # before it had pages); a team or the name order costs one page.
        rows, waiting = team_dashboard_rows(user, now, every)
        key = sort.removeprefix("-")
        rows.sort(key=lambda row: _figure_value(row, key), reverse=sort.startswith("-"))
        rows = rows[start:stop]
    return _dashboard_page(
        rows, waiting, today, page, number, len(every), None if every_team else every
    )


def _dashboard_page(
    rows: list[dict], waiting: int, today: date, page: int, number: int, total: int,
    panel_ids: list[int] | None,
) -> dict:  # fmt: skip
    """team_dashboard_for_viewing's answer: the page `number` of `total`
    coaches, its `rows` with their URLs, and the episodes panel over the
    coaches `panel_ids` (None: every active relationship)."""
    for row in rows:
        row["url"] = url_of("coaching:coach_detail", row["coach_id"])
    shown = Page(rows, number, number * DASHBOARD_PAGE < total)
    shown.paginator = _Pages(max(1, -(-total // DASHBOARD_PAGE)))
    return {
        "page": shown,
        "rows": rows,
        "waiting_requests": waiting,
        "episode_months": episode_month_rows(panel_ids, today, 3),
        "past_end": number != page,
    }
