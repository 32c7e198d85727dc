"""The coach's home as one static statement, prepared on the server.

The access policy's condition, in SQL, gives the relationships the coach
may see; the same statement then reads, for those only, a page of
the caseload (client, since when, plan), each row's newest check-in scores
(the relationship's kept figures, coaching/models/figures.py) and open
flags (LATERAL: an index walk that stops after a few rows), the
plan figures over the whole caseload (once per coach, not per row) and the
oldest notes to finish. The rows come back as plain values with the URLs,
dates (in the viewer's zone) and sparklines already made, so the template
prints strings.

The ORM selectors it replaces (coaching.selectors.homes.coach_caseload_home,
plan_figures.plan_due_counts_by_coach) stay as the reference the tests hold
it equal to."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.safestring import mark_safe
from psycopg.types.numeric import Int8

from accounts.audit import audit_clients_shown
from accounts.languages import language_badge
from accounts.models import User
from accounts.policy.sql import relationship_condition, relationship_tables
from coaching.templatetags.trust import sparkline
from common.fastpaths import (
    day_month,
    day_month_year,
    url_of,
    weekday_day_month_time,
    weekday_day_month_year,
)
from common.paging import PER_PAGE, Page, page_within
from common.paging import page_number as page_number_of
from sessions_log.selectors.notes import NOTES_TO_FINISH_SHOWN

# One text per kind of viewer (the policy's condition is part of it), so
# psycopg prepares it once per connection (coaching/postgresql:
# prepared_cursor) and PostgreSQL plans it once. Parameters: the
# condition's own; coach; review_before / agree_before: the plan rules'
# cut-offs; size / skip: the page (past the end:
# the first page, as page_within); notes: how many notes to finish (+1).
COACH_HOME_SQL = """
WITH rel AS MATERIALIZED (
    -- The relationships the policy allows (its condition, in SQL: the
    -- same statement, not a query of ids before it). The plan's last
    -- agreement from the relationship's kept figures: the coach's range of
    -- their index, read once (by key a row: three pages each).
    SELECT a.id, a.client_id, a.started_at, c.display_name, c.language,
           f.plan_agreed_at AS last_agreed_at
    FROM __RELATIONSHIPS__
    LEFT JOIN coaching_relationshipfigures f
      ON f.coach_id = %(coach)s AND f.assignment_id = a.id AND f.active
    WHERE (__ALLOWED__) AND a.coach_id = %(coach)s
),
figures AS (
    SELECT count(*) FILTER (WHERE last_agreed_at <= %(review_before)s) AS review_due,
           count(*) FILTER (
               WHERE last_agreed_at IS NULL AND started_at <= %(agree_before)s
           ) AS not_agreed,
           count(*) AS total
    FROM rel
),
notes AS (
    SELECT array_agg(n.id ORDER BY n.ends_at, n.id) AS ids,
           array_agg(n.client_id ORDER BY n.ends_at, n.id) AS client_ids,
           array_agg(n.display_name ORDER BY n.ends_at, n.id) AS names,
           array_agg(n.starts_at ORDER BY n.ends_at, n.id) AS starts,
           array_agg(n.ends_at ORDER BY n.ends_at, n.id) AS ends,
           array_agg(n.has_draft ORDER BY n.ends_at, n.id) AS drafts
    FROM (
        -- The client's name (and whether a draft exists) for the notes
        -- shown only, after the LIMIT: not for every note to write.
        SELECT s.id, s.client_id, u.display_name, s.starts_at, s.ends_at,
               EXISTS (SELECT FROM sessions_log_note d WHERE d.session_id = s.id) AS has_draft
        FROM (
            SELECT s.id, s.client_id, s.starts_at, s.ends_at
            FROM sessions_log_session s
            WHERE s.coach_id = %(coach)s AND s.note_state = 'to_write'
              AND s.client_id IN (SELECT rel.client_id FROM rel)
            ORDER BY s.ends_at, s.id
            LIMIT %(notes)s
        ) s
        JOIN accounts_user u ON u.id = s.client_id
    ) n
),
shown AS (
    SELECT * FROM rel ORDER BY display_name, id
    LIMIT %(size)s
    OFFSET CASE WHEN %(skip)s < (SELECT count(*) FROM rel) THEN %(skip)s ELSE 0 END
)
SELECT f.review_due, f.not_agreed, f.total,
       -- The notes to finish ride on the first row only: repeated on every
       -- row, their dates were most of what the driver decoded.
       CASE WHEN coalesce(r.pos, 1) = 1 THEN n.ids END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN n.client_ids END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN n.names END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN n.starts END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN n.ends END,
       CASE WHEN coalesce(r.pos, 1) = 1 THEN n.drafts END,
       r.client_id, r.display_name, r.started_at, r.last_agreed_at,
       r.scores, r.latest_at, r.open_flags, r.language
FROM figures f CROSS JOIN notes n
LEFT JOIN (
    -- The newest check-in scores and the last one's time: the shown
    -- relationship's kept figures (by key), not a walk of its check-ins.
    SELECT shown.*, c.checkin_scores AS scores, c.last_checkin_at AS latest_at, fl.open_flags,
           row_number() OVER (ORDER BY shown.display_name, shown.id) AS pos
    FROM shown
    LEFT JOIN coaching_relationshipfigures c ON c.assignment_id = shown.id
    LEFT JOIN LATERAL (
        SELECT count(*) AS open_flags FROM coaching_trustflag t
        WHERE t.assignment_id = shown.id AND NOT (t.status = 'resolved')
    ) fl ON true
) r ON true
ORDER BY r.display_name, r.id
"""


NONE_YET = mark_safe('<span class="muted">None yet</span>')  # noqa: S308 - a constant


def _statement(condition: str) -> str:
    """COACH_HOME_SQL with the policy's condition (a coach's relationships)."""
    return COACH_HOME_SQL.replace("__RELATIONSHIPS__", relationship_tables(condition)).replace(
        "__ALLOWED__", condition
    )


def coach_home_rows(coach: User, page_number, *, now=None) -> dict:
    """The coach's home, read in one statement with the policy's condition:
    a page of rows, the plan figures and the notes to finish, all as plain
    values. Not audited: coach_home_for_viewing audits what it shows."""
    now = now or timezone.now()
    condition, own = relationship_condition(coach)
    asked = page_number_of(page_number)
    params = {
        **own,
        "coach": Int8(coach.pk),
        "review_before": now - timedelta(days=settings.PLAN_REVIEW_DAYS),
        "agree_before": now - timedelta(days=settings.PLAN_AGREE_WITHIN_DAYS),
        "size": Int8(PER_PAGE + 1),
        "skip": Int8((asked - 1) * PER_PAGE),
        "notes": Int8(NOTES_TO_FINISH_SHOWN + 1),
    }
    with connection.prepared_cursor() as cursor:
        cursor.execute(_statement(condition), params)
        rows = cursor.fetchall()
    review_due, not_agreed, total, note_ids, note_clients, names, starts, ends, drafts = rows[0][:9]
    caseload = [
        {
            "client_id": row[9],
            "display_name": row[10],
            "started_at": row[11],
            "plan_agreed_at": row[12],
            "scores": row[13] or [],
            "latest_at": row[14],
            "open_flags": row[15],
            "language": row[16],
        }
        for row in rows
        if row[9] is not None
    ]
    notes = [
        {
            "pk": pk,
            "client_id": client_id,
            "display_name": name,
            "starts_at": start,
            "note_due_at": end + timedelta(hours=settings.NOTE_DUE_HOURS),
            "has_draft": draft,
        }
        for pk, client_id, name, start, end, draft in zip(
            note_ids or [],
            note_clients or [],
            names or [],
            starts or [],
            ends or [],
            drafts or [],
            strict=True,
        )
    ]
    return {
        "number": page_within(asked, total),
        "caseload": caseload,
        "plans": {"review_due": review_due, "not_agreed": not_agreed},
        "notes": notes,
        "now": now,
    }


def _plan_cell(row: dict, now, zone) -> str:
    agreed = row["plan_agreed_at"]
    if agreed is not None and agreed <= now - timedelta(days=settings.PLAN_REVIEW_DAYS):
        return "Review due"
    if agreed is None and row["started_at"] <= now - timedelta(
        days=settings.PLAN_AGREE_WITHIN_DAYS
    ):
        return "Not agreed yet"
    if agreed is not None:
        return f"Agreed {day_month(agreed.astimezone(zone))}"
    return "Draft"


def coach_home_for_viewing(coach: User, page_number) -> dict:
    """What the coach's home prints: precomputed strings for each caseload
    row and note to finish, the plan figures and the page. The clients it
    shows are audited (caseload first, then notes)."""
    found = coach_home_rows(coach, page_number)
    now, zone = found["now"], timezone.get_current_timezone()
    caseload, notes = found["caseload"][:PER_PAGE], found["notes"][:NOTES_TO_FINISH_SHOWN]
    audit_clients_shown(
        actor=coach,
        shown=[
            ("caseload.list", [row["client_id"] for row in caseload]),
            ("notes_to_finish.list", [note["client_id"] for note in notes]),
        ],
    )
    rows = [
        {
            "name": row["display_name"],
            "language_badge": language_badge(row["language"]),
            "timeline_url": url_of("coaching:client_timeline", row["client_id"]),
            "plan_url": url_of("coaching:plan", row["client_id"]),
            "since": day_month_year(row["started_at"].astimezone(zone)),
            "latest": row["scores"][-1] if row["scores"] else None,
            "latest_on": day_month(row["latest_at"].astimezone(zone)) if row["latest_at"] else "",
            "sparkline": sparkline(row["scores"]),
            "open_flags": row["open_flags"],
            "plan": _plan_cell(row, now, zone),
        }
        for row in caseload
    ]
    for row in rows:  # the cells with a condition, for {% rows %}
        # A score, a date we formatted, a count: numbers and month names
        # only, so no format_html (its escaping cost more than the rest).
        row["latest_cell"] = (
            mark_safe(f'{int(row["latest"])} <span class="muted">({row["latest_on"]})</span>')  # noqa: S308
            if row["latest"] is not None
            else NONE_YET
        )
        row["flags_cell"] = (
            mark_safe(f'<strong class="flag-count">{int(row["open_flags"])}</strong>')  # noqa: S308
            if row["open_flags"]
            else "0"
        )
    note_rows = [
        {
            "url": url_of("sessions_log:session_detail", note["pk"]),
            "name": note["display_name"],
            "on": weekday_day_month_year(note["starts_at"].astimezone(zone)),
            "draft": note["has_draft"],
            "overdue": note["note_due_at"] < now,
            "due": weekday_day_month_time(note["note_due_at"].astimezone(zone)),
        }
        for note in notes
    ]
    return {
        "page": Page(rows, found["number"], len(found["caseload"]) > PER_PAGE),
        "rows": rows,
        "plans": found["plans"],
        "notes_to_finish": note_rows,
        "more": len(found["notes"]) > NOTES_TO_FINISH_SHOWN,
    }
