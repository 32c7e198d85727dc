"""A coach's page (caseload review) as one static statement, prepared on
the server.

The access policy gives, in one query, the coach (none: 404) and the ids
the page may read: the coach's active relationships the reviewer reviews,
those whose trust figures they see, and the clients whose overdue notes
they follow (relationships their team held). One statement then reads, for
those ids only, a page of the caseload (each row's last and next session,
sessions in 30 days, whether the client has gone quiet and the attempts
since; the newest check-in scores and open flags through LATERAL index
walks that stop after a few rows) and the oldest overdue notes with how
many there are. The rows come back as plain values; the page prints
precomputed strings (URLs reversed once per process, dates in the viewer's
zone).

The ORM selectors it replaces (coaching.selectors.caseloads.coach_for_viewing,
coach_caseload_page) stay as the reference the tests hold it equal to."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from psycopg.types.numeric import Int8

from accounts.audit import audit_clients_shown
from accounts.models import User
from accounts.policy.sql import (
    NOTHING,
    RELATIONSHIPS_WITH_CLIENT,
    held_relationship_condition,
    relationship_condition,
    reviewable_coach_condition,
    reviewable_relationship_condition,
)
from coaching.selectors.caseloads import DAYS_30, OVERDUE_SHOWN, QUIET_AFTER
from coaching.selectors.coach_home_sql import NONE_YET
from coaching.templatetags.trust import sparkline
from common.fastpaths import bigint_array, day_month_year, day_month_year_time, url_of
from common.paging import PER_PAGE, Page, page_within
from sessions_log.models import MAX_DURATION

# One text, so psycopg prepares it once per connection and PostgreSQL plans
# it once. Parameters: ids: the relationships the page lists; trusted: those
# whose check-ins and flags the reviewer sees; held: the clients whose
# overdue notes they follow (bigint[] literals: one parameter type whatever
# the numbers); coach; now, month (30 days ago), quiet (14 days ago),
# quiet_starts (quiet less the longest session: the (client, starts_at)
# index), due (notes due before this are overdue); points: sparkline
# length; size / skip: the page; oldest: overdue notes listed.
COACH_DETAIL_SQL = """
WITH rel AS MATERIALIZED (
    SELECT a.id, a.client_id, a.started_at, u.display_name
    FROM accounts_caseloadassignment a
    JOIN accounts_user u ON u.id = a.client_id
    WHERE a.id = ANY(%(ids)s::bigint[])
),
shown AS (
    SELECT * FROM rel ORDER BY display_name, id LIMIT %(size)s OFFSET %(skip)s
),
overdue AS MATERIALIZED (
    SELECT s.id, s.client_id, s.starts_at, s.ends_at
    FROM sessions_log_session s
    WHERE s.coach_id = %(coach)s AND s.note_state = 'to_write' AND s.ends_at < %(due)s
      -- A filter on the coach's few notes to write (their partial index),
      -- not an index scan of the held clients' every session: "+ 0" keeps
      -- the planner off the client index (3.3 ms -> a few hundred µs).
      AND s.client_id + 0 = ANY(%(held)s::bigint[])
),
oldest AS (
    SELECT (SELECT count(*) FROM overdue) AS total,
           array_agg(o.id ORDER BY o.ends_at, o.id) AS ids,
           array_agg(o.client_id ORDER BY o.ends_at, o.id) AS client_ids,
           array_agg(u.display_name ORDER BY o.ends_at, o.id) AS names,
           array_agg(o.starts_at ORDER BY o.ends_at, o.id) AS starts
    FROM (SELECT * FROM overdue ORDER BY ends_at, id LIMIT %(oldest)s) o
    JOIN accounts_user u ON u.id = o.client_id
)
SELECT od.total,
       -- The oldest overdue notes ride on the first row only (repeated, the
       -- driver decoded them again for every row).
       CASE WHEN coalesce(r.pos, 1) = 1 THEN od.ids END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN od.client_ids END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN od.names END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN od.starts END,
       r.client_id, r.display_name, r.last_session, r.next_session, r.sessions_30,
       r.quiet, r.attempts, r.scores, r.latest_at, r.open_flags
FROM oldest od
LEFT JOIN (
    SELECT shown.id, shown.client_id, shown.display_name,
           row_number() OVER (ORDER BY shown.display_name, shown.id) AS pos,
           (SELECT s.starts_at FROM sessions_log_session s
            WHERE s.client_id = shown.client_id AND s.coach_id = %(coach)s
              AND s.starts_at <= %(now)s AND s.status <> 'cancelled'
            ORDER BY s.starts_at DESC LIMIT 1) AS last_session,
           (SELECT s.starts_at FROM sessions_log_session s
            WHERE s.client_id = shown.client_id AND s.coach_id = %(coach)s
              AND s.starts_at > %(now)s AND s.status = 'scheduled'
            ORDER BY s.starts_at LIMIT 1) AS next_session,
           (SELECT count(*) FROM sessions_log_session s
            WHERE s.client_id = shown.client_id AND s.coach_id = %(coach)s
              AND s.starts_at >= %(month)s AND s.starts_at <= %(now)s
              AND s.status <> 'cancelled') AS sessions_30,
           (shown.started_at < %(quiet)s
            AND NOT EXISTS (
                SELECT FROM sessions_log_session s
                WHERE s.client_id = shown.client_id AND s.coach_id = %(coach)s
                  AND s.status = 'completed' AND s.ends_at >= %(quiet)s
                  AND s.starts_at >= %(quiet_starts)s)
            AND NOT EXISTS (
                SELECT FROM coaching_outreachattempt o
                WHERE o.client_id = shown.client_id AND o.outcome = 'reached'
                  AND o.at >= %(quiet)s)) AS quiet,
           (SELECT count(*) FROM coaching_outreachattempt o
            WHERE o.client_id = shown.client_id AND o.at >= %(quiet)s) AS attempts,
           c.scores, c.latest_at, fl.open_flags
    FROM shown
    LEFT JOIN LATERAL (
        SELECT array_agg(k.score ORDER BY k.created_at, k.id) AS scores,
               max(k.created_at) AS latest_at
        FROM (
            SELECT ci.score, ci.created_at, ci.id FROM coaching_checkin ci
            WHERE ci.assignment_id = shown.id AND shown.id = ANY(%(trusted)s::bigint[])
            ORDER BY ci.created_at DESC, ci.id DESC
            LIMIT %(points)s
        ) k
    ) c ON true
    LEFT JOIN LATERAL (
        SELECT count(*) AS open_flags FROM coaching_trustflag t
        WHERE t.assignment_id = shown.id AND shown.id = ANY(%(trusted)s::bigint[])
          AND NOT (t.status = 'resolved')
    ) fl ON true
) r ON true
ORDER BY r.display_name, r.id
"""


# The coach, if the viewer reviews them, and the policy's ids for their
# page (each condition from accounts/policy/sql.py; within the arrays, the
# relationship's coach is the page's coach `k`).
_IN_REACH_SQL = """
SELECT k.id, k.display_name,
       ARRAY(SELECT a.id FROM {relationships} WHERE a.coach_id = k.id AND {ids} ORDER BY a.id),
       ARRAY(SELECT a.id FROM {relationships} WHERE a.coach_id = k.id AND {trusted} ORDER BY a.id),
       ARRAY(SELECT a.client_id FROM {relationships} WHERE a.coach_id = k.id AND {held}
             ORDER BY a.id)
FROM accounts_user k
WHERE k.id = %(coach)s AND {coach}
"""


def coach_in_reach(user: User, pk) -> dict:
    """The policy's answer for the coach `pk`, in one query: their name and
    the ids the page may read (404 for a coach `user` does not review)."""
    conditions = {
        "coach": reviewable_coach_condition(user),
        "ids": reviewable_relationship_condition(user),
        "trusted": relationship_condition(user),
        "held": held_relationship_condition(user),
    }
    if conditions["coach"] == NOTHING or not isinstance(pk, int) or not 0 < pk < 2**63:
        raise Http404
    params = {"coach": Int8(pk)}
    for _, own in conditions.values():
        params.update(own)
    text = _IN_REACH_SQL.format(
        relationships=RELATIONSHIPS_WITH_CLIENT,
        **{name: sql for name, (sql, _) in conditions.items()},
    )
    with connection.prepared_cursor() as cursor:
        cursor.execute(text, params)
        found = cursor.fetchone()
    if found is None:
        raise Http404
    return dict(zip(("pk", "display_name", "ids", "trusted", "held"), found, strict=True))


def coach_detail_rows(user: User, coach: dict, page_number, *, now=None) -> dict:
    """The coach's page read in one statement, as plain values: a page of
    the caseload and the oldest overdue notes with their count. Not
    audited: coach_detail_for_viewing audits what it shows."""
    now = now or timezone.now()
    number = page_within(page_number, len(coach["ids"]))
    quiet = now - QUIET_AFTER
    params = {
        "ids": bigint_array(coach["ids"]),
        "trusted": bigint_array(coach["trusted"]),
        "held": bigint_array(coach["held"]),
        "coach": Int8(coach["pk"]),
        "now": now,
        "month": now - DAYS_30,
        "quiet": quiet,
        "quiet_starts": quiet - MAX_DURATION,
        "due": now - timedelta(hours=settings.NOTE_DUE_HOURS),
        "points": Int8(settings.TRUST_SPARKLINE_POINTS),
        "size": Int8(PER_PAGE + 1),
        "skip": Int8((number - 1) * PER_PAGE),
        "oldest": Int8(OVERDUE_SHOWN),
    }
    with connection.prepared_cursor() as cursor:
        cursor.execute(COACH_DETAIL_SQL, params)
        rows = cursor.fetchall()
    total, ids, client_ids, names, starts = rows[0][:5]
    caseload = [
        {
            "client_id": row[5],
            "display_name": row[6],
            "last_session": row[7],
            "next_session": row[8],
            "sessions_30": row[9],
            "quiet": row[10],
            "attempts_14": row[11],
            "scores": row[12] or [],
            "latest_at": row[13],
            "open_flags": row[14],
        }
        for row in rows
        if row[5] is not None
    ]
    oldest = [
        {"pk": pk, "client_id": client_id, "display_name": name, "starts_at": start}
        for pk, client_id, name, start in zip(
            ids or [], client_ids or [], names or [], starts or [], strict=True
        )
    ]
    return {"number": number, "caseload": caseload, "overdue": oldest, "overdue_count": total}


def _quiet_badge(quiet: bool, attempts: int):
    if not quiet:
        return ""
    if not attempts:
        return QUIET_BADGE
    return format_html(
        ' <span class="badge">No contact 14+ days, {} attempt{}</span>',
        attempts,
        pluralize(attempts),
    )


QUIET_BADGE = mark_safe(' <span class="badge">No contact 14+ days</span>')  # noqa: S308 - a constant


def coach_detail_for_viewing(user: User, pk, page_number) -> dict:
    """What the coach's page prints: the coach's name, precomputed strings
    for each caseload row and overdue note, and the page. 404 for a coach
    `user` does not review; the clients shown are audited, once each."""
    coach = coach_in_reach(user, pk)
    found = coach_detail_rows(user, coach, page_number)
    zone = timezone.get_current_timezone()
    caseload = found["caseload"][:PER_PAGE]
    audit_clients_shown(
        actor=user,
        shown=[
            (
                "coach_caseload.list",
                [row["client_id"] for row in caseload]
                + [note["client_id"] for note in found["overdue"]],
            )
        ],
    )
    rows = [
        {
            "name": row["display_name"],
            "history_url": url_of("coaching:client_history", row["client_id"]),
            "quiet": row["quiet"],
            "attempts": row["attempts_14"],
            "last": day_month_year(row["last_session"].astimezone(zone))
            if row["last_session"]
            else "—",
            "next": day_month_year_time(row["next_session"].astimezone(zone))
            if row["next_session"]
            else "—",
            "sessions_30": row["sessions_30"],
            "latest": row["scores"][-1] if row["scores"] else None,
            "sparkline": sparkline(row["scores"]),
            "open_flags": row["open_flags"],
        }
        for row in caseload
    ]
    for row in rows:  # the cells with a condition, for {% rows %}
        row["quiet_badge"] = _quiet_badge(row["quiet"], row["attempts"])
        row["latest_cell"] = row["latest"] if row["latest"] is not None else NONE_YET
    overdue = [
        {
            "name": note["display_name"],
            "on": day_month_year(note["starts_at"].astimezone(zone)),
            "url": url_of("sessions_log:session_detail", note["pk"]),
        }
        for note in found["overdue"]
    ]
    return {
        "coach_name": coach["display_name"],
        "page": Page(rows, found["number"], len(found["caseload"]) > PER_PAGE),
        "rows": rows,
        "overdue": {"oldest": overdue, "count": found["overdue_count"]},
    }
