"""The note an autosave writes in, read and locked by one static statement
prepared on the server (issue 30: the autosave is the everyday POST).

Building and compiling the ORM's form of this read (the note's reading and
acting scopes, the service names, the plan goals as JSON) was most of the
autosave's Python. The statement here says the same in SQL: the note rules
from accounts/policy/sql.py (held equal to their Q by
tests/accounts/test_policy_sql.py), what the layer above reads with the note
from sessions_log/hooks.py `note_goals.with_note_sql`. The text depends only
on the kind of viewer, so there are a few, each prepared once per
connection. The ORM selector (selectors/notes.py `note_draft_for_change_orm`)
stays as the reference its tests hold this equal to."""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from psycopg.types.numeric import Int8

from accounts.models import User
from accounts.policy.sql import NOTHING, note_author_condition, note_condition
from sessions_log import hooks
from sessions_log.models import Note

# The note's own columns the save needs (the texts are posted whole), in
# Note's field order, as the model loads them.
_COLUMNS = ("id", "session_id", "updated_at", "signed_at")

# The reading scope is the WHERE (a 404), the acting scope a column (a 403).
# `seen_updated_at` is read by a subquery, so with the statement's snapshot:
# when another save committed while this one waited for the lock, it differs
# from the locked row's, and what was read with the note is read again.
_DRAFT_FOR_CHANGE_SQL = """
SELECT n.id, n.session_id, n.updated_at, n.signed_at,
       coalesce({may_write}, false) AS may_write,
       s.client_id AS session_client_id,
       ARRAY(SELECT st.name FROM sessions_log_servicetype st
             WHERE st.active ORDER BY st.name) AS service_names,
       (SELECT seen.updated_at FROM sessions_log_note seen
        WHERE seen.id = n.id) AS seen_updated_at{extra}
FROM sessions_log_note n
JOIN sessions_log_session s ON s.id = n.session_id
WHERE n.id = %(note)s AND {may_read}
FOR UPDATE OF n
"""


def _read(text: str, params: dict) -> Note | None:
    with connection.prepared_cursor() as cursor:
        cursor.execute(text, params)
        row = cursor.fetchone()
        if row is None:
            return None
        names = [column.name for column in cursor.description]
    note = Note.from_db(connection.alias, _COLUMNS, row[: len(_COLUMNS)])
    for name, value in zip(names[len(_COLUMNS) :], row[len(_COLUMNS) :], strict=True):
        setattr(note, name, value)
    return note


def note_draft_for_change(user: User, pk: int) -> Note:
    """The note an autosave writes in, read and locked in one statement: a
    404 for a note `user` may not see, as for one that does not exist;
    refused (PermissionDenied) for one they see but may not write. With it,
    what the draft form checks against: the active service names
    (`service_names`) and whatever the layer above reads with the note
    (hooks.note_goals.with_note_sql), and the client (`session_client_id`).

    Read again (one more statement, only then) when another save of the
    note committed while we waited for its lock."""
    may_read, read_params = note_condition(user)
    # No such note, as the ORM answers an id past bigint's range.
    if (may_read, read_params) == NOTHING or not isinstance(pk, int) or not 0 < pk < 2**63:
        raise Http404
    may_write, write_params = note_author_condition(user)
    extra = "".join(
        f",\n       {expression} AS {name}"
        for name, expression in hooks.note_goals.with_note_sql().items()
    )
    # Every text part is the policy's or this module's literal; values are parameters.
    text = _DRAFT_FOR_CHANGE_SQL.format(may_write=may_write, may_read=may_read, extra=extra)
    params = {**read_params, **write_params, "note": Int8(pk)}
    note = _read(text, params)
    if note is None:
        raise Http404
    if not note.may_write:
        raise PermissionDenied
    if note.seen_updated_at != note.updated_at:
        note = _read(text, params)
    return note
