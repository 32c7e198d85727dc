"""A coach's page (caseload review) as one static statement, prepared on
the server.

The access policy's conditions, in SQL and in the same statement, give the
coach (none: 404) and what the page may read: the coach's active
relationships the reviewer reviews, those whose trust figures they see,
and the clients whose overdue notes they follow (relationships their team
held). The statement reads, for those only, a page of the caseload (each
row's last and next session, sessions in 30 days, whether the client has
gone quiet (from the relationship's kept last contact) and the attempts
since (probed only where its kept last attempt is that recent); the newest
check-in scores from its kept figures too; the open flags through a
LATERAL index walk that stops after a few rows) and the oldest overdue
notes with how many there are. The rows come back as plain values; the
page prints precomputed strings (URLs reversed once per process, dates in
the viewer's zone).

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
from accounts.languages import language_badge
from accounts.models import User
from accounts.policy.sql import (
    NOTHING,
    RELATIONSHIPS_WITH_CLIENT,
    held_relationship_condition,
    relationship_condition,
    reviewable_coach_condition,
    reviewable_relationship_condition,
    without_client_row,
)
from coaching.selectors.caseloads import DAYS_30, OVERDUE_SHOWN, QUIET_AFTER
from coaching.selectors.coach_home_sql import NONE_YET
from coaching.templatetags.trust import sparkline
from common.fastpaths import day_month_year, day_month_year_time, url_of
from common.paging import PER_PAGE, Page, page_within
from common.paging import page_number as page_number_of

# One text per kind of viewer (the policy's conditions, from
# accounts/policy/sql.py, are part of it), so psycopg prepares it once per
# connection and PostgreSQL plans it once. Parameters: the conditions' own;
# coach; now, month (30 days ago), quiet (14 days ago), due (notes due
# before this are overdue); size / skip: the page
# (past the end: the first, as page_within); oldest: overdue notes listed.
# Within the conditions the relationship's coach is the page's coach `k`:
# no row at all when the viewer does not review that coach (a 404).
COACH_DETAIL_SQL = """
WITH page_coach AS MATERIALIZED (
    SELECT k.id, k.display_name, k.team_id, k.role
    FROM accounts_user k
    WHERE k.id = %(coach)s AND {coach}
),
rel AS MATERIALIZED (
    -- The coach's active relationships the viewer reviews; `trusted`:
    -- whether they see its check-ins and flags too.
    SELECT a.id, a.client_id, a.started_at, c.display_name, c.language,
           ({trusted}) AS trusted, f.last_contact_at, f.last_attempt_at
    FROM {relationships} JOIN page_coach k ON k.id = a.coach_id
    -- The relationship's kept last contact and attempt (coaching/models/figures.py):
    -- the coach's range of their index, read once.
    LEFT JOIN coaching_relationshipfigures f
      ON f.coach_id = %(coach)s AND f.assignment_id = a.id AND f.active
    WHERE {ids}
),
held AS (
    -- The clients whose overdue notes the viewer follows: the
    -- relationships, active or ended, their team held (each client's role
    -- from the staff's index, not their row: without_client_row).
    SELECT coalesce(array_agg(a.client_id), '{{}}') AS clients
    FROM accounts_caseloadassignment a JOIN page_coach k ON k.id = a.coach_id
    WHERE {held}
),
shown AS (
    SELECT * FROM rel ORDER BY display_name, id
    LIMIT %(size)s
    OFFSET CASE WHEN %(skip)s < (SELECT count(*) FROM rel) THEN %(skip)s ELSE 0 END
),
overdue AS MATERIALIZED (
    SELECT s.id, s.client_id, s.starts_at, s.ends_at
    FROM sessions_log_session s
    WHERE s.coach_id = %(coach)s AND s.note_state = 'to_write' AND s.ends_at < %(due)s
      -- A filter on the coach's few notes to write (their partial index),
      -- not an index scan of the held clients' every session: "+ 0" keeps
      -- the planner off the client index (3.3 ms -> a few hundred µs).
      AND s.client_id + 0 = ANY((SELECT held.clients FROM held)::bigint[])
),
oldest AS (
    SELECT (SELECT count(*) FROM overdue) AS total,
           (SELECT count(*) FROM rel) AS relationships,
           array_agg(o.id ORDER BY o.ends_at, o.id) AS ids,
           array_agg(o.client_id ORDER BY o.ends_at, o.id) AS client_ids,
           array_agg(u.display_name ORDER BY o.ends_at, o.id) AS names,
           array_agg(o.starts_at ORDER BY o.ends_at, o.id) AS starts
    FROM (SELECT * FROM overdue ORDER BY ends_at, id LIMIT %(oldest)s) o
    JOIN accounts_user u ON u.id = o.client_id
)
SELECT k.display_name, od.relationships, od.total,
       -- The oldest overdue notes ride on the first row only (repeated, the
       -- driver decoded them again for every row).
       CASE WHEN coalesce(r.pos, 1) = 1 THEN od.ids END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN od.client_ids END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN od.names END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN od.starts END,
       r.client_id, r.display_name, r.last_session, r.next_session, r.sessions_30,
       r.quiet, r.attempts, r.scores, r.latest_at, r.open_flags, r.language
FROM page_coach k CROSS JOIN oldest od
LEFT JOIN (
    SELECT shown.id, shown.client_id, shown.display_name, shown.language,
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
           -- Quiet: no session completed with this coach and no attempt
           -- that reached the client since, as the kept last contact says.
           (shown.started_at < %(quiet)s
            AND (shown.last_contact_at IS NULL OR shown.last_contact_at < %(quiet)s)) AS quiet,
           -- The attempts since, looked for only where the kept last
           -- attempt falls in them.
           CASE WHEN shown.last_attempt_at >= %(quiet)s THEN
               (SELECT count(*) FROM coaching_outreachattempt o
                WHERE o.client_id = shown.client_id AND o.at >= %(quiet)s)
           ELSE 0 END AS attempts,
           -- The newest check-in scores and the last one's time, where
           -- the viewer sees them: the relationship's kept figures (by
           -- key), not a walk of its check-ins.
           CASE WHEN shown.trusted THEN c.checkin_scores END AS scores,
           CASE WHEN shown.trusted THEN c.last_checkin_at END AS latest_at,
           fl.open_flags
    FROM shown
    LEFT JOIN coaching_relationshipfigures c ON c.assignment_id = shown.id
    LEFT JOIN LATERAL (
        SELECT count(*) AS open_flags FROM coaching_trustflag t
        WHERE t.assignment_id = shown.id AND shown.trusted
          AND NOT (t.status = 'resolved')
    ) fl ON true
) r ON true
ORDER BY r.display_name, r.id
"""


def coach_detail_rows(user: User, pk, page_number, *, now=None) -> dict:
    """The coach `pk`'s page read in one statement with the policy's
    conditions, as plain values: their name, a page of the caseload and the
    oldest overdue notes with their count (404 for a coach `user` does not
    review). Not audited: coach_detail_for_viewing audits what it shows."""
    conditions = {
        "coach": reviewable_coach_condition(user),
        "ids": reviewable_relationship_condition(user),
        "trusted": relationship_condition(user),
        "held": without_client_row(held_relationship_condition(user)),
    }
    if conditions["coach"] == NOTHING or not isinstance(pk, int) or not 0 < pk < 2**63:
        raise Http404
    now = now or timezone.now()
    asked = page_number_of(page_number)
    params = {
        "coach": Int8(pk),
        "now": now,
        "month": now - DAYS_30,
        "quiet": now - QUIET_AFTER,
        "due": now - timedelta(hours=settings.NOTE_DUE_HOURS),
        "size": Int8(PER_PAGE + 1),
        "skip": Int8((asked - 1) * PER_PAGE),
        "oldest": Int8(OVERDUE_SHOWN),
    }
    for _, own in conditions.values():
        params.update(own)
    text = COACH_DETAIL_SQL.format(
        relationships=RELATIONSHIPS_WITH_CLIENT,
        **{name: sql for name, (sql, _) in conditions.items()},
    )
    with connection.prepared_cursor() as cursor:
        cursor.execute(text, params)
        rows = cursor.fetchall()
    if not rows:
        raise Http404
    name, relationships, total, ids, client_ids, names, starts = rows[0][:7]
    caseload = [
        {
            "client_id": row[7],
            "display_name": row[8],
            "last_session": row[9],
            "next_session": row[10],
            "sessions_30": row[11],
            "quiet": row[12],
            "attempts_14": row[13],
            "scores": row[14] or [],
            "latest_at": row[15],
            "open_flags": row[16],
            "language": row[17],
        }
        for row in rows
        if row[7] is not None
    ]
    oldest = [
        {"pk": pk, "client_id": client_id, "display_name": name, "starts_at": start}
        for pk, client_id, name, start in zip(
            ids or [], client_ids or [], names or [], starts or [], strict=True
        )
    ]
    return {
        "display_name": name,
        "number": page_within(asked, relationships),
        "caseload": caseload,
        "overdue": oldest,
        "overdue_count": total,
    }


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
    found = coach_detail_rows(user, pk, page_number)
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
            "language_badge": language_badge(row["language"]),
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
        "coach_name": found["display_name"],
        "page": Page(rows, found["number"], len(found["caseload"]) > PER_PAGE),
        "rows": rows,
        "overdue": {"oldest": overdue, "count": found["overdue_count"]},
    }
