"""The supervisors' co-sign queue as one statement, prepared on the server.

The queue's rows are the sessions whose signed note waits for a co-sign,
of the clients the access policy lets the supervisor see. The policy's
clients are not fetched first (that would be a statement more than the ORM
page ran): its rule, stated in SQL (accounts/policy/sql.py, held equal to
the ORM's), is read inside the statement, whose text is then the same for
every supervisor (only the team's id, a parameter, differs), so psycopg
prepares it once per connection and PostgreSQL keeps its plan. The rows
come back as plain values; the page prints precomputed strings (the URL
reversed once per process, dates in the viewer's zone).

The ORM selector it replaces (sessions_log.selectors.notes.review_queue,
paged by common.paging.page_of) stays as the reference the tests hold it
equal to."""

from django.db import connection
from django.utils import timezone
from django.utils.translation import pgettext
from psycopg.types.numeric import Int8

from accounts.audit import audit_clients_shown
from accounts.models import User
from accounts.policy.records import session_cosigner_scope
from accounts.policy.relationships import NOTHING
from accounts.policy.sql import NOTHING as SQL_NOTHING
from accounts.policy.sql import visible_client_ids
from common.fastpaths import day_month, day_month_year_time, url_of
from common.paging import PER_PAGE, Page, page_number

# Parameters: the policy's own, then the page's size and offset. Longest
# waiting first.
REVIEW_QUEUE_SQL = """
SELECT q.id, q.client_id, q.starts_at, q.note_state_at, k.display_name, c.display_name
FROM (
    -- The page first, then the names of its rows only (joined before the
    -- sort, a team's every waiting note looked up two names).
    SELECT s.id, s.client_id, s.coach_id, s.starts_at, s.note_state_at
    FROM sessions_log_session s
    WHERE s.note_state = 'awaiting_cosign' AND s.client_id IN ({clients})
    ORDER BY s.note_state_at, s.id
    LIMIT %(size)s OFFSET %(skip)s
) q
JOIN accounts_user k ON k.id = q.client_id
JOIN accounts_user c ON c.id = q.coach_id
ORDER BY q.note_state_at, q.id
"""


def _policy(supervisor: User) -> tuple[str, dict] | None:
    """The policy's clients of `supervisor` as SQL and its parameters (None:
    nobody). Whether they co-sign at all is the acting scope's to say
    (session_cosigner_scope: an active supervisor of a team); whose notes,
    the one rule's (clients_visible_to, stated on the relationships their
    clients have: relationship_condition, as visible_client_ids states
    it), which that scope applies."""
    if session_cosigner_scope(supervisor) == NOTHING:
        return None
    # The rule's clients without reading each one's row (the staff's index
    # says they are clients): a team's 500 at every scale.
    clients = visible_client_ids(supervisor)
    return None if clients == SQL_NOTHING else clients


def review_queue_rows(supervisor: User, number) -> dict:
    """A page of the co-sign queue read in one statement, as plain values
    (past the end, the first page, as common.paging.page_of). Not audited:
    review_queue_for_viewing audits what it shows."""
    number = page_number(number)
    policy = _policy(supervisor)
    if policy is None:
        return {"number": 1, "rows": []}
    scope, params = policy
    statement = REVIEW_QUEUE_SQL.format(clients=scope)
    with connection.prepared_cursor() as cursor:
        cursor.execute(
            statement, {**params, "size": Int8(PER_PAGE + 1), "skip": Int8((number - 1) * PER_PAGE)}
        )
        found = cursor.fetchall()
    if not found and number > 1:
        return review_queue_rows(supervisor, 1)
    rows = [
        {
            "pk": pk,
            "client_id": client_id,
            "starts_at": starts_at,
            "note_state_at": waiting_since,
            "client_name": client_name,
            "coach_name": coach_name,
        }
        for pk, client_id, starts_at, waiting_since, client_name, coach_name in found
    ]
    return {"number": number, "rows": rows}


def review_queue_for_viewing(supervisor: User, number) -> dict:
    """What the queue prints: a page of rows as precomputed strings. The
    clients it shows are audited, once each, in one event."""
    found = review_queue_rows(supervisor, number)
    shown = found["rows"][:PER_PAGE]
    audit_clients_shown(
        actor=supervisor, shown=[("review_queue.list", [row["client_id"] for row in shown])]
    )
    zone = timezone.get_current_timezone()
    rows = [
        {
            "waiting_since": day_month_year_time(row["note_state_at"].astimezone(zone)),
            "coach": row["coach_name"],
            "client": row["client_name"],
            "url": url_of("sessions_log:session_detail", row["pk"]),
            # The link's words (staff pages: marked, their Spanish may follow).
            "open": pgettext("staff", "Open the note of %(on)s")
            % {"on": day_month(row["starts_at"].astimezone(zone))},
        }
        for row in shown
    ]
    return {"page": Page(rows, found["number"], len(found["rows"]) > PER_PAGE), "rows": rows}
