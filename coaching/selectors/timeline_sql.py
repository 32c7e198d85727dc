"""A client's page for their coach and supervisor (the client timeline) as
one static statement, prepared on the server.

The access policy gives the relationships with the client that the viewer
may see (one small query on an index; none is a 404, as for a client who
does not exist). One statement then reads, for those ids only, a page of
the client's sessions with their coach and note state, the newest check-ins
and flags of those relationships (LATERAL: an index walk per relationship
that stops after a few rows), the plan's suggested steps and whether the
client gets texts (never their number), as one row of
arrays. The rows come back as plain values with the URLs and dates (in the
viewer's zone) already made, so the template prints strings.

The ORM selector it replaces (coaching.selectors.homes.client_timeline)
stays as the reference the tests hold it equal to."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.utils import timezone
from psycopg.types.numeric import Int8

from accounts.audit import audit_record
from accounts.languages import language_name
from accounts.models import Role, User
from accounts.policy.sql import relationship_condition, relationship_rows
from coaching.models import CheckIn, Step, TrustFlag
from coaching.models.checkins import ITEMS
from common import sms
from common.fastpaths import bigint_array, day_month_year, url_of, weekday_day_month_time
from common.paging import PER_PAGE, Page, page_number
from sessions_log.models import Session

# One text, so psycopg prepares it once per connection (coaching/postgresql:
# prepared_cursor) and PostgreSQL plans it once. Parameters: ids: the
# relationships the policy allows (a bigint[] literal); client: whose page;
# size / skip: the page (past the end, the first); checkins / flags: how
# many of the newest; tried: the step states that count as tried.
# Every part is guarded by `rel` (the policy's relationships with this
# client; `allowed`, whether there is one): with none, the statement reads
# nothing. Check-ins and flags are read by relationship alone (a record's
# client is its relationship's), so the walk down (assignment, created_at)
# stops after the newest few however long the history.
TIMELINE_SQL = """
WITH rel AS MATERIALIZED (
    SELECT a.id FROM accounts_caseloadassignment a
    WHERE a.id = ANY(%(ids)s::bigint[]) AND a.client_id = %(client)s
),
allowed AS (SELECT EXISTS (SELECT FROM rel) AS yes),
at AS (
    SELECT CASE WHEN EXISTS (
        SELECT FROM sessions_log_session p WHERE p.client_id = %(client)s OFFSET %(skip)s
    ) THEN %(skip)s ELSE 0 END AS skip
),
shown AS (
    SELECT s.id, s.starts_at, s.ends_at, s.status, c.display_name,
           CASE WHEN n.id IS NULL THEN NULL WHEN n.signed_at IS NULL THEN 'draft'
                ELSE 'signed' END AS note
    FROM sessions_log_session s
    JOIN accounts_user c ON c.id = s.coach_id
    LEFT JOIN sessions_log_note n ON n.session_id = s.id
    WHERE s.client_id = %(client)s AND (SELECT yes FROM allowed)
    ORDER BY s.starts_at DESC, s.id DESC
    LIMIT %(size)s OFFSET (SELECT skip FROM at)
),
sessions AS (
    SELECT array_agg(id ORDER BY starts_at DESC, id DESC) AS ids,
           array_agg(starts_at ORDER BY starts_at DESC, id DESC) AS starts,
           array_agg(ends_at ORDER BY starts_at DESC, id DESC) AS ends,
           array_agg(status ORDER BY starts_at DESC, id DESC) AS statuses,
           array_agg(display_name ORDER BY starts_at DESC, id DESC) AS coaches,
           array_agg(note ORDER BY starts_at DESC, id DESC) AS notes
    FROM shown
),
newest AS (
    SELECT k.* FROM rel CROSS JOIN LATERAL (
        SELECT ci.id, ci.created_at, ci.score, ci.heard, ci.safe, ci.focus, ci.trust,
               ci.helping, ci.comment
        FROM coaching_checkin ci
        WHERE ci.assignment_id = rel.id
        ORDER BY ci.created_at DESC, ci.id DESC
        LIMIT %(checkins)s
    ) k
    ORDER BY k.created_at DESC, k.id DESC
    LIMIT %(checkins)s
),
checkins AS (
    SELECT array_agg(created_at ORDER BY created_at, id) AS created,
           array_agg(score ORDER BY created_at, id) AS scores,
           array_agg(ARRAY[heard, safe, focus, trust, helping] ORDER BY created_at, id) AS answers,
           array_agg(comment ORDER BY created_at, id) AS comments
    FROM newest
),
flagged AS (
    SELECT f.* FROM rel CROSS JOIN LATERAL (
        SELECT t.id, t.rule, t.detail, t.status, t.raised_at, t.resolution_note,
               ack.display_name AS acknowledged_by, res.display_name AS resolved_by
        FROM coaching_trustflag t
        LEFT JOIN accounts_user ack ON ack.id = t.acknowledged_by_id
        LEFT JOIN accounts_user res ON res.id = t.resolved_by_id
        WHERE t.assignment_id = rel.id
        ORDER BY t.raised_at DESC, t.id DESC
        LIMIT %(flags)s
    ) f
    ORDER BY f.raised_at DESC, f.id DESC
    LIMIT %(flags)s
),
flags AS (
    SELECT array_agg(id ORDER BY raised_at DESC, id DESC) AS ids,
           array_agg(rule ORDER BY raised_at DESC, id DESC) AS rules,
           array_agg(detail ORDER BY raised_at DESC, id DESC) AS details,
           array_agg(status ORDER BY raised_at DESC, id DESC) AS statuses,
           array_agg(raised_at ORDER BY raised_at DESC, id DESC) AS raised,
           array_agg(acknowledged_by ORDER BY raised_at DESC, id DESC) AS acknowledged_by,
           array_agg(resolved_by ORDER BY raised_at DESC, id DESC) AS resolved_by,
           array_agg(resolution_note ORDER BY raised_at DESC, id DESC) AS resolution_notes
    FROM flagged
),
steps AS (
    SELECT count(*) AS suggested, count(*) FILTER (WHERE st.state = ANY(%(tried)s::text[])) AS tried
    FROM coaching_plan p
    JOIN coaching_goal g ON g.plan_id = p.id
    JOIN coaching_step st ON st.goal_id = g.id
    WHERE p.client_id = %(client)s AND st.suggested_by = 'coach' AND (SELECT yes FROM allowed)
),
texts AS (
    SELECT (SELECT yes FROM allowed) AND EXISTS (
        SELECT FROM sessions_log_textnumber t
        WHERE t.user_id = %(client)s AND t.verified_at IS NOT NULL
          AND t.stopped_at IS NULL AND t.failed_at IS NULL
    ) AS active
)
SELECT at.skip, s.ids, s.starts, s.ends, s.statuses, s.coaches, s.notes,
       c.created, c.scores, c.answers, c.comments,
       f.ids, f.rules, f.details, f.statuses, f.raised, f.acknowledged_by, f.resolved_by,
       f.resolution_notes, st.suggested, st.tried, tx.active
FROM at CROSS JOIN sessions s CROSS JOIN checkins c CROSS JOIN flags f CROSS JOIN steps st
     CROSS JOIN texts tx
"""

_COMMENT = CheckIn._meta.get_field("comment")
_RESOLUTION_NOTE = TrustFlag._meta.get_field("resolution_note")
_SESSION_STATUS = dict(Session.Status.choices)
_FLAG_RULE = dict(TrustFlag.Rule.choices)
_FLAG_STATUS = dict(TrustFlag.Status.choices)
_ITEM_LABELS = [label for _, label in ITEMS]


def _allowed(viewer: User, pk) -> tuple[list[int], str, str] | None:
    """The relationships with client `pk` that `viewer` may see (the
    policy's relationship_scope, the same rule as clients_visible_to) and
    the client's name and language; None when there are none."""
    if not isinstance(pk, int) or not 0 < pk < 2**63:
        return None  # no such row (a bigint, from 1)
    rows = relationship_rows(
        "a.id, c.display_name, c.language",
        relationship_condition(viewer),
        "a.client_id = %(client)s",
        client=Int8(pk),
    )
    if not rows:
        return None
    return [row[0] for row in rows], rows[0][1], rows[0][2]


def _decrypted(field, value):
    return field.from_db_value(value, None, connection)


def timeline_rows(viewer: User, client_id: int, relationship_ids: list[int], number) -> dict:
    """The client's page read in one statement, for the relationships the
    policy gave: a page of sessions (newest first), the newest check-ins
    (oldest first), the newest flags and the plan's suggested steps, as
    plain values. Not audited: client_timeline_for_viewing audits."""
    number = page_number(number)
    params = {
        "ids": bigint_array(relationship_ids),
        "client": Int8(client_id),
        "size": Int8(PER_PAGE + 1),
        "skip": Int8((number - 1) * PER_PAGE),
        "checkins": Int8(settings.TRUST_PANEL_CHECKINS),
        "flags": Int8(20),
        "tried": "{" + ",".join((Step.State.TRYING, Step.State.DONE)) + "}",
    }
    with connection.prepared_cursor() as cursor:
        cursor.execute(TIMELINE_SQL, params)
        (row,) = cursor.fetchall()
    skip, ids, starts, ends, statuses, coaches, notes = row[:7]
    created, scores, answers, comments = row[7:11]
    flag_ids, rules, details, flag_statuses, raised, acked, resolved, resolution_notes = row[11:19]
    suggested, tried, texting = row[19:22]
    sessions = [
        {
            "pk": pk,
            "starts_at": start,
            "ends_at": end,
            "status": status,
            "coach": coach,
            "note": note,
        }
        for pk, start, end, status, coach, note in zip(
            ids or [],
            starts or [],
            ends or [],
            statuses or [],
            coaches or [],
            notes or [],
            strict=True,
        )
    ]
    checkins = [
        {"created_at": at, "score": score, "answers": list(items), "comment": comment}
        for at, score, items, comment in zip(
            created or [],
            scores or [],
            answers or [],
            [_decrypted(_COMMENT, text) for text in comments or []],
            strict=True,
        )
    ]
    flags = [
        {
            "pk": pk,
            "rule": rule,
            "detail": detail,
            "status": status,
            "raised_at": at,
            "acknowledged_by": ack,
            "resolved_by": res,
            "resolution_note": _decrypted(_RESOLUTION_NOTE, note),
        }
        for pk, rule, detail, status, at, ack, res, note in zip(
            flag_ids or [],
            rules or [],
            details or [],
            flag_statuses or [],
            raised or [],
            acked or [],
            resolved or [],
            resolution_notes or [],
            strict=True,
        )
    ]
    return {
        "number": skip // PER_PAGE + 1,
        "sessions": sessions,
        "checkins": checkins,
        "flags": flags,
        "steps": {"suggested": suggested, "tried": tried},
        # Whether the client's reminders go by text (a confirmed number, not
        # stopped or failed): never the number itself.
        "texting": texting,
    }


@dataclass(frozen=True)
class ShownFlag:
    """A flag as the page prints it; `get_rule_display` and `status` are
    what the shared flag_actions.html reads of a TrustFlag."""

    pk: int
    status: str
    rule_label: str
    detail: str
    raised_on: str
    status_label: str
    acknowledged_by: str
    resolved_by: str
    resolution_note: str

    def get_rule_display(self) -> str:
        return self.rule_label


@dataclass(frozen=True)
class ShownCheckIn:
    """A check-in as the trust chart prints it (coaching/templatetags/trust)."""

    score: int
    # The chart's table formats it (the date filter, the viewer's zone);
    # the page's comments print created_on.
    created_at: datetime
    created_on: str
    answers: list
    comment: str


def _note_cell(session: dict) -> str:
    if session["note"] == "signed":
        return "Signed"
    if session["note"] == "draft":
        return "Draft"
    if session["status"] in (Session.Status.COMPLETED, Session.Status.NO_SHOW):
        return "Missing"
    return "—"


def client_timeline_for_viewing(viewer: User, pk, page_number) -> dict:
    """A client's page for their coach and their team's supervisor: 404 for
    a client the viewer may not see (absent and forbidden alike); reading it
    is audited (one `client.view` event about the client). What it returns
    the template prints as it is."""
    allowed = _allowed(viewer, pk)
    if allowed is None:
        raise Http404
    relationship_ids, name, language = allowed
    client = User(pk=pk, role=Role.CLIENT, display_name=name)
    audit_record(actor=viewer, action="client.view", obj=client, client=client)
    found = timeline_rows(viewer, pk, relationship_ids, page_number)
    zone = timezone.get_current_timezone()
    sessions = []
    for session in found["sessions"][:PER_PAGE]:
        starts, ends = session["starts_at"].astimezone(zone), session["ends_at"].astimezone(zone)
        sessions.append(
            {
                "url": url_of("sessions_log:session_detail", session["pk"]),
                "starts_iso": starts.isoformat(),
                "starts": weekday_day_month_time(starts),
                "ends": f"{ends.hour:02d}:{ends.minute:02d}",
                "coach": session["coach"],
                "status": _SESSION_STATUS[session["status"]],
                "note": _note_cell(session),
            }
        )
    checkins = [
        ShownCheckIn(
            score=checkin["score"],
            created_at=checkin["created_at"],
            created_on=day_month_year(checkin["created_at"].astimezone(zone)),
            answers=list(zip(_ITEM_LABELS, checkin["answers"], strict=True)),
            comment=checkin["comment"],
        )
        for checkin in found["checkins"]
    ]
    flags = [
        ShownFlag(
            pk=flag["pk"],
            status=flag["status"],
            rule_label=_FLAG_RULE[flag["rule"]],
            detail=flag["detail"],
            raised_on=day_month_year(flag["raised_at"].astimezone(zone)),
            status_label=_FLAG_STATUS[flag["status"]],
            acknowledged_by=flag["acknowledged_by"] or "",
            resolved_by=flag["resolved_by"] or "",
            resolution_note=flag["resolution_note"],
        )
        for flag in found["flags"]
    ]
    return {
        "client": {
            "pk": pk,
            "display_name": name,
            "language": language_name(language),
            "gets_texts": found["texting"] and sms.enabled(),
        },
        "links": {
            "plan": url_of("coaching:plan", pk),
            "episodes": url_of("coaching:episodes", pk),
            "outreach": url_of("coaching:outreach", pk),
            "consents": url_of("coaching:client_consents", pk),
            "record_requests": url_of("coaching:client_record_requests", pk),
        },
        "page": Page(sessions, found["number"], len(found["sessions"]) > PER_PAGE),
        "checkins": checkins,
        "comments": [checkin for checkin in reversed(checkins) if checkin.comment],
        "flags": flags,
        "steps": found["steps"],
    }
