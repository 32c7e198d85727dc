"""A check-in's writes as one statement (issue 30: a POST in at most six).

Everything a check-in writes goes in together, after its relationship or
request is locked (coaching/selectors/trust.py): the check-in, its coach's
day figures and its relationship's newest scores (coaching/services/
figures.py), the request it answers marked answered, the private request
to talk with a supervisor, the flags it raises and one audit row for each
of those. The statement runs after the
lock, so it sees a check-in another request committed while we waited: the
once-a-week rule is checked here, in the INSERT's WHERE, not on what was
read before the lock."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection

from accounts.audit import audit_event
from coaching.models import ITEM_NAMES, CheckIn, SupervisorRequest
from coaching.services.figures import CHECKIN_COUNT_PART_SQL, CHECKIN_SCORES_PART_SQL

_ITEMS = ", ".join(ITEM_NAMES)
_ITEM_VALUES = ", ".join(f"%({name})s" for name in ITEM_NAMES)

CHECKIN_WRITE_SQL = f"""
WITH recent AS (
    -- The client's last check-in between sessions, whichever relationship.
    SELECT max(created_at) AS last FROM coaching_checkin
    WHERE client_id = %(client)s AND session_id IS NULL
), ins AS (
    INSERT INTO coaching_checkin
        (assignment_id, client_id, coach_id, session_id, {_ITEMS}, comment, created_at)
    SELECT %(assignment)s, %(client)s, %(coach)s, %(session)s::bigint, {_ITEM_VALUES},
           %(comment)s, %(now)s::timestamptz
    FROM recent
    WHERE %(session)s::bigint IS NOT NULL OR recent.last IS NULL
       OR recent.last <= %(allowed_before)s::timestamptz
    RETURNING id, assignment_id, client_id, coach_id, created_at, score
), day AS ({CHECKIN_COUNT_PART_SQL}
), scores AS ({CHECKIN_SCORES_PART_SQL}
), answered AS (
    UPDATE coaching_checkinrequest r SET checkin_id = ins.id, token_digest = ''
    FROM ins WHERE r.id = %(request)s::bigint
), private AS (
    INSERT INTO coaching_supervisorrequest
        (client_id, coach_id, team_id, checkin_id, message, created_at)
    SELECT ins.client_id, ins.coach_id, %(team)s::bigint, ins.id, %(message)s,
           %(now)s::timestamptz
    FROM ins WHERE %(talk)s
    RETURNING id
), flags AS (
    -- One unresolved flag per rule: a rule already open is left as it is.
    INSERT INTO coaching_trustflag
        (assignment_id, client_id, coach_id, rule, detail, checkin_id, status, raised_at,
         resolution_note)
    SELECT ins.assignment_id, ins.client_id, ins.coach_id, f.rule, f.detail, ins.id,
           'open', %(now)s::timestamptz, ''
    FROM ins, unnest(%(rules)s::text[], %(details)s::text[]) WITH ORDINALITY AS f(rule, detail, n)
    ORDER BY f.n
    ON CONFLICT DO NOTHING
    RETURNING id
), events AS (
    SELECT 1 AS n, %(client)s::bigint AS actor_id, 'checkin.submit' AS action,
           'checkin' AS object_type, ins.id::text AS object_id FROM ins
    UNION ALL
    SELECT 2, %(client)s, 'supervisor_request.create', 'supervisorrequest', private.id::text
    FROM private
    UNION ALL
    SELECT 3, NULL, 'trust_flag.raise', 'trustflag', flags.id::text FROM flags
), audit AS (
    INSERT INTO accounts_auditevent
        (at, actor_id, action, object_type, object_id, client_id, outcome, ip, request_id,
         client_ids, part_actions, client_parts)
    SELECT %(at)s::timestamptz, e.actor_id, e.action, e.object_type, e.object_id,
           %(client)s, 'ok',
           %(ip)s::inet, %(request_id)s, '{{}}', '{{}}', '{{}}'
    FROM events e ORDER BY e.n, e.object_id::bigint
)
SELECT ins.id, ins.score, recent.last, (SELECT id FROM private)
FROM recent LEFT JOIN ins ON true
"""  # noqa: S608 - this module's own constant texts


@dataclass(frozen=True)
class Written:
    """What the statement wrote: the check-in (None when the once-a-week
    rule refused it), `last` (the client's last check-in between sessions
    it saw) and the private request's id, if one was made."""

    checkin: CheckIn | None
    last: datetime | None
    private_id: int | None


def checkin_write(
    *,
    client,
    assignment_id: int,
    coach_id: int,
    values: list[int],
    comment: str,
    now: datetime,
    session_id: int | None = None,
    request_id: int | None = None,
    team_id: int | None = None,
    message: str | None = None,
    flags: list[tuple[str, str]] = (),
) -> Written:
    """Write a check-in and all that goes with it in one statement;
    `message` not None makes the private request (to `team_id`)."""
    event = audit_event(actor=client, action="checkin.submit", client=client)
    answers = dict(zip(ITEM_NAMES, values, strict=True))
    params = {
        **answers,
        "client": client.pk,
        "assignment": assignment_id,
        "coach": coach_id,
        "session": session_id,
        "request": request_id,
        "comment": CheckIn._meta.get_field("comment").get_prep_value(comment),
        "now": now,
        "allowed_before": now - timedelta(days=settings.CHECKIN_BETWEEN_SESSIONS_DAYS),
        "zone": settings.TIME_ZONE,
        "points": settings.TRUST_SPARKLINE_POINTS,
        "talk": message is not None,
        "team": team_id,
        "message": SupervisorRequest._meta.get_field("message").get_prep_value(message or ""),
        "rules": [rule for rule, _ in flags],
        "details": [detail for _, detail in flags],
        "at": event.at,
        "ip": event.ip,
        "request_id": event.request_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(CHECKIN_WRITE_SQL, params)
        checkin_id, score, last, private_id = cursor.fetchone()
    if checkin_id is None:
        return Written(checkin=None, last=last, private_id=None)
    checkin = CheckIn(
        pk=checkin_id,
        assignment_id=assignment_id,
        client=client,
        coach_id=coach_id,
        session_id=session_id,
        comment=comment,
        created_at=now,
        **answers,
    )
    checkin.score = score
    checkin._state.adding = False
    return Written(checkin=checkin, last=last, private_id=private_id)
