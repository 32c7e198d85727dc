"""The client's home as one static statement, prepared on the server.

The access policy says whose record it is (a client sees their own: no
query); one statement then reads, for that client only, the check-ins they
can still answer (the newest few), the consents waiting for their
signature, their coach's name, their plan's step figures, their upcoming
sessions and a page of past ones, each session with its coach's name and
the signed note's next steps. Only what the page shows is read; the rows
come back as plain values, then as strings (dates in the viewer's zone,
URLs reversed once per process), so the template prints strings.

The ORM selector it replaces (coaching.selectors.homes.client_home_orm)
stays as the reference the tests hold it equal to."""

from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.numeric import Int8

from accounts.models import Role, User
from accounts.policy.records import session_scope
from coaching.models import Recipient
from coaching.models.consents import TPO_RECIPIENTS
from coaching.selectors.trust import PROMPTS_SHOWN
from common.dates import local_today
from common.fastpaths import url_of, weekday_day_month_time
from common.paging import Page, page_number
from sessions_log.models import Note, Session

# Past sessions on a phone screen at a time, newest first.
PAST_PER_PAGE = 10

# One text, so psycopg prepares it once per connection (coaching/postgresql:
# prepared_cursor) and PostgreSQL plans it once. Parameters: client; now;
# today (the client's own day, for a consent's end date); prompts: how many
# check-ins to offer; size / skip: the page of past sessions (one row more
# says whether there is a next page). The head (everything but sessions)
# comes once, on every row; a home with no sessions still has one row.
CLIENT_HOME_SQL = """
WITH head AS MATERIALIZED (
    SELECT
        (SELECT u.display_name FROM accounts_caseloadassignment a
         JOIN accounts_user u ON u.id = a.coach_id
         WHERE a.client_id = %(client)s AND a.ended_at IS NULL
         ORDER BY a.id LIMIT 1) AS coach_name,
        st.open_steps, st.done_steps,
        pr.sessions AS prompt_sessions, pr.starts AS prompt_starts,
        co.ids AS consent_ids, co.names AS consent_names,
        co.person_names AS consent_person_names, co.has_recipient AS consent_has_recipient
    FROM (
        SELECT count(*) FILTER (WHERE s.state IN ('not_started', 'trying')) AS open_steps,
               count(*) FILTER (WHERE s.state = 'done') AS done_steps
        FROM coaching_step s
        JOIN coaching_goal g ON g.id = s.goal_id
        JOIN coaching_plan p ON p.id = g.plan_id
        WHERE p.client_id = %(client)s
    ) st
    CROSS JOIN (
        SELECT array_agg(r.session_id ORDER BY r.created_at DESC, r.id DESC) AS sessions,
               array_agg(r.starts_at ORDER BY r.created_at DESC, r.id DESC) AS starts
        FROM (
            SELECT q.id, q.session_id, q.created_at, s.starts_at
            FROM coaching_checkinrequest q
            JOIN sessions_log_session s ON s.id = q.session_id
            WHERE q.client_id = %(client)s AND q.checkin_id IS NULL AND q.expires_at > %(now)s
            ORDER BY q.created_at DESC, q.id DESC
            LIMIT %(prompts)s
        ) r
    ) pr
    CROSS JOIN (
        SELECT array_agg(c.id ORDER BY c.prepared_at, c.id) AS ids,
               array_agg(rc.name ORDER BY c.prepared_at, c.id) AS names,
               array_agg(rc.person_name ORDER BY c.prepared_at, c.id) AS person_names,
               array_agg(c.recipient_id IS NOT NULL ORDER BY c.prepared_at, c.id) AS has_recipient
        FROM coaching_consent c
        LEFT JOIN coaching_recipient rc ON rc.id = c.recipient_id
        WHERE c.client_id = %(client)s AND c.signed_at IS NULL
          AND (c.ends_on IS NULL OR c.ends_on >= %(today)s)
    ) co
),
upcoming AS (
    SELECT true AS upcoming, s.id, s.starts_at, s.ends_at, s.modality, s.status,
           s.location, s.video_url, s.coach_id
    FROM sessions_log_session s
    WHERE s.client_id = %(client)s AND s.starts_at >= %(now)s
    ORDER BY s.starts_at, s.id
),
past AS (
    SELECT false AS upcoming, s.id, s.starts_at, s.ends_at, s.modality, s.status,
           s.location, s.video_url, s.coach_id
    FROM sessions_log_session s
    WHERE s.client_id = %(client)s AND s.starts_at < %(now)s AND s.status <> 'cancelled'
    ORDER BY s.starts_at DESC, s.id DESC
    LIMIT %(size)s OFFSET %(skip)s
)
SELECT h.coach_name, h.open_steps, h.done_steps, h.prompt_sessions, h.prompt_starts,
       h.consent_ids, h.consent_names, h.consent_person_names, h.consent_has_recipient,
       x.upcoming, x.id, x.starts_at, x.ends_at, x.modality, x.status, x.location,
       x.video_url, x.coach_name AS session_coach, x.next_steps
FROM head h
LEFT JOIN (
    SELECT w.*, u.display_name AS coach_name,
           CASE WHEN n.signed_at IS NOT NULL THEN n.next_steps END AS next_steps
    FROM (SELECT * FROM upcoming UNION ALL SELECT * FROM past) w
    JOIN accounts_user u ON u.id = w.coach_id
    LEFT JOIN sessions_log_note n ON n.session_id = w.id
) x ON true
ORDER BY x.upcoming DESC,
         CASE WHEN x.upcoming THEN x.starts_at END,
         CASE WHEN NOT x.upcoming THEN x.starts_at END DESC,
         CASE WHEN x.upcoming THEN x.id END,
         CASE WHEN NOT x.upcoming THEN x.id END DESC
"""

_decrypt = {
    name: field.from_db_value
    for name, field in (
        ("location", Session._meta.get_field("location")),
        ("video_url", Session._meta.get_field("video_url")),
        ("next_steps", Note._meta.get_field("next_steps")),
        ("person_name", Recipient._meta.get_field("person_name")),
    )
}


def _own_record(client: User) -> int:
    """The client whose home it is: the policy lets a client see their own
    sessions only (session_scope), so the statement reads that one id."""
    if client.role != Role.CLIENT or session_scope(client) != Q(client=client.pk):
        raise Http404
    return client.pk


def _plain(value, name: str) -> str:
    return _decrypt[name](value, None, connection) or ""


def _read(client_id: int, number: int, now, today) -> list[tuple]:
    params = {
        "client": Int8(client_id),
        "now": now,
        "today": today,
        "prompts": Int8(PROMPTS_SHOWN),
        "size": Int8(PAST_PER_PAGE + 1),
        "skip": Int8((number - 1) * PAST_PER_PAGE),
    }
    with connection.prepared_cursor() as cursor:
        cursor.execute(CLIENT_HOME_SQL, params)
        return cursor.fetchall()


def client_home_rows(client: User, page, *, now=None) -> dict:
    """The client's home in one statement (a second only for a page past
    the end, which shows the first): plain values, decrypted."""
    client_id = _own_record(client)
    now = now or timezone.now()
    today = local_today(client)
    number = page_number(page)
    rows = _read(client_id, number, now, today)
    if number > 1 and not any(row[9] is False for row in rows):
        number = 1  # past the end, the first page (as common.paging.page_of)
        rows = _read(client_id, number, now, today)
    head = rows[0]
    sessions = {True: [], False: []}
    for row in rows:
        if row[10] is None:
            continue
        sessions[row[9]].append(
            {
                "pk": row[10],
                "starts_at": row[11],
                "ends_at": row[12],
                "modality": row[13],
                "status": row[14],
                "location": _plain(row[15], "location"),
                "video_url": _plain(row[16], "video_url"),
                "coach_name": row[17],
                "next_steps": _plain(row[18], "next_steps"),
            }
        )
    consents = [
        {"pk": pk, "label": (name or _plain(person, "person_name")) if has else TPO_RECIPIENTS}
        for pk, name, person, has in zip(
            head[5] or [], head[6] or [], head[7] or [], head[8] or [], strict=True
        )
    ]
    return {
        "coach_name": head[0],
        "steps": {"open": head[1], "done": head[2]},
        "prompts": list(zip(head[3] or [], head[4] or [], strict=True)),
        "consents": consents,
        "upcoming": sessions[True],
        "past": sessions[False],
        "number": number,
    }


_MODALITIES = dict(Session.Modality.choices)
_STATUSES = dict(Session.Status.choices)


def _short(name: str | None) -> str:
    """User.get_short_name of a display name."""
    return name.split(" ")[0] if name else ""


def _session_row(session: dict, zone) -> dict:
    starts, ends = session["starts_at"].astimezone(zone), session["ends_at"].astimezone(zone)
    scheduled = session["status"] == Session.Status.SCHEDULED
    # The labels are lazy: they print in the reader's language.
    how = _("With %(coach)s") % {"coach": _short(session["coach_name"])}
    how += f" · {_MODALITIES[session['modality']]}"
    if not scheduled:
        how += f" · {_STATUSES[session['status']]}"
    return {
        "iso": starts.isoformat(),
        "when": weekday_day_month_time(starts),
        "until": f"{ends.hour:02d}:{ends.minute:02d}",
        "how": how,
        "location": session["location"],
        "next_steps": session["next_steps"],
        "ics_url": url_of("sessions_log:session_ics", session["pk"]) if scheduled else "",
        "video_url": session["video_url"] if scheduled else "",
    }


def client_home_for_viewing(client: User, page) -> dict:
    """What the client's home prints: their own record, as strings (dates in
    the viewer's zone). Not audited: it is the client's own record, as it
    was before it was one statement."""
    found = client_home_rows(client, page)
    zone = timezone.get_current_timezone()
    past = [_session_row(session, zone) for session in found["past"][:PAST_PER_PAGE]]
    return {
        # The shape coaching/includes/checkin_prompts.html reads.
        "prompts": [
            {"session_id": session_id, "session": {"starts_at": starts_at}}
            for session_id, starts_at in found["prompts"]
        ],
        "consents_waiting": found["consents"],
        "has_coach": found["coach_name"] is not None,
        "coach_name": _short(found["coach_name"]),
        "steps": found["steps"],
        "upcoming": [_session_row(session, zone) for session in found["upcoming"]],
        "page": Page(past, found["number"], len(found["past"]) > PAST_PER_PAGE),
    }
