"""The relationship rules of accounts/policy/relationships.py (and the
invitations' of accounts/policy/pages.py, and the note rules of
accounts/policy/records.py the note autosave needs) stated in SQL,
for the everyday pages' prepared statements (issue 30).

Building and compiling the ORM's form of a scope cost each page 0.4-2.3 ms
of CPU a request (coach detail's three scoped arrays the most), against
0.1 ms for the same statement as text. So each rule below is the same
condition as its Q, over fixed aliases: `a` a relationship
(accounts_caseloadassignment), `c` its client and `k` its coach
(accounts_user); the note rules over `n` a note and `s` its session, or a
column the caller names. tests/accounts/test_policy_sql.py holds each equal to its
Q for every kind of viewer (coach, supervisor with and without a team,
admin, client, inactive) over a varied organisation: a change to a rule
there fails until it is made here too.

Each function gives a condition and its parameters; the text depends only
on the kind of viewer (there are a few texts, each prepared once per
connection), never on a value."""

from django.db import connection
from psycopg.types.numeric import Int8

from accounts.models import Role, User

# Matches nothing: the Q form's NOTHING.
NOTHING = ("false", {})
_CLIENT = f"c.role = '{Role.CLIENT}'"
_ACTIVE_CLIENT = f"a.ended_at IS NULL AND {_CLIENT}"


def relationship_condition(user: User) -> tuple[str, dict]:
    """relationship_scope(user): the active relationships whose client
    `user` may see."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.COACH:
        return f"{_ACTIVE_CLIENT} AND a.coach_id = %(viewer)s", {"viewer": Int8(user.pk)}
    if user.role == Role.SUPERVISOR and user.team_id:
        return (
            f"{_ACTIVE_CLIENT} AND k.team_id = %(viewer_team)s AND k.role = '{Role.COACH}'",
            {"viewer_team": Int8(user.team_id)},
        )
    return NOTHING


def reviewable_relationship_condition(user: User) -> tuple[str, dict]:
    """reviewable_relationship_scope(user): an admin, every active
    relationship; a supervisor, their team's."""
    if user.is_active and user.role == Role.ADMIN:
        return _ACTIVE_CLIENT, {}
    if user.role == Role.SUPERVISOR:
        return relationship_condition(user)
    return NOTHING


def held_relationship_condition(user: User) -> tuple[str, dict]:
    """held_relationship_scope(user): the relationships, active or ended,
    whose past a reviewer reads."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return _CLIENT, {}
    if user.role == Role.SUPERVISOR and user.team_id:
        return f"{_CLIENT} AND k.team_id = %(viewer_team)s", {"viewer_team": Int8(user.team_id)}
    return NOTHING


def reviewable_coach_condition(user: User) -> tuple[str, dict]:
    """reviewable_coach_scope(user), on the coach `k`: an admin, every
    coach; a supervisor, their team's."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return f"k.role = '{Role.COACH}'", {}
    if user.role == Role.SUPERVISOR and user.team_id:
        return (
            f"k.role = '{Role.COACH}' AND k.team_id = %(viewer_team)s",
            {"viewer_team": Int8(user.team_id)},
        )
    return NOTHING


def team_condition(user: User) -> tuple[str, dict]:
    """team_scope(user), on a team `t`: an admin, every one; a supervisor,
    their own."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return "true", {}
    if user.role == Role.SUPERVISOR and user.team_id:
        return "t.id = %(viewer_team)s", {"viewer_team": Int8(user.team_id)}
    return NOTHING


def invitation_condition(user: User) -> tuple[str, dict]:
    """invitation_scope(user), on an invitation `i`: an admin, every one; a
    coach, their own."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.ADMIN:
        return "true", {}
    if user.role == Role.COACH:
        return "i.invited_by_id = %(viewer)s", {"viewer": Int8(user.pk)}
    return NOTHING


# The record rules of accounts/policy/records.py the note autosave's
# statement needs (sessions_log/selectors/note_draft_sql.py), over its
# aliases: `n` a note (sessions_log_note), `s` its session
# (sessions_log_session). A column is given by the caller, as literal text.


def client_condition(user: User, column: str) -> tuple[str, dict]:
    """client_scope(user, field): the clients `user` may see, as a condition
    on a client id `column` (e.g. "s.client_id"). As its Q, a check of an
    active relationship per row: the relationship rule above
    (relationship_condition), on the relationships of that client."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.CLIENT:
        return f"{column} = %(viewer)s", {"viewer": Int8(user.pk)}
    condition, params = relationship_condition(user)
    if (condition, params) == NOTHING:
        return NOTHING
    # `column` is the caller's literal; the aliases are this module's.
    return (
        f"EXISTS (SELECT 1 FROM {relationship_tables(condition)}"  # noqa: S608
        f" WHERE a.client_id = {column} AND {condition})",
        params,
    )


def coach_private_condition(user: User, column: str) -> tuple[str, dict]:
    """coach_private_scope(user, field): a coach's own material, as a
    condition on the id of the coach it belongs to, `column` (e.g.
    "n.author_id"): that coach's, and their team's supervisors'."""
    if not user.is_active:
        return NOTHING
    if user.role == Role.COACH:
        return f"{column} = %(viewer)s", {"viewer": Int8(user.pk)}
    if user.role == Role.SUPERVISOR and user.team_id:
        # `column` is the caller's literal; the team is a parameter.
        return (
            f"EXISTS (SELECT 1 FROM accounts_user au WHERE au.id = {column}"  # noqa: S608
            " AND au.team_id = %(viewer_team)s)",
            {"viewer_team": Int8(user.team_id)},
        )
    return NOTHING


def note_condition(user: User) -> tuple[str, dict]:
    """note_scope(user), on `n` and its session `s`: the notes of the
    clients `user` sees, once signed; a draft, its author's and their
    team's supervisors'."""
    client, own = client_condition(user, "s.client_id")
    if (client, own) == NOTHING:
        return NOTHING
    private, theirs = coach_private_condition(user, "n.author_id")
    return f"{client} AND (n.signed_at IS NOT NULL OR {private})", {**own, **theirs}


def note_author_condition(user: User) -> tuple[str, dict]:
    """note_author_scope(user), on `n` and its session `s`: an active coach,
    the coach of the note's session, the client still theirs."""
    if not user.is_active or user.role != Role.COACH:
        return NOTHING
    client, own = client_condition(user, "s.client_id")
    return f"s.coach_id = %(viewer)s AND {client}", {"viewer": Int8(user.pk), **own}


# "A client" read from the staff's partial index (accounts_user (id) WHERE
# the role is not a client's, user_staff_ids): a person is a client when
# they are not staff, so the check finds nothing in a small index instead
# of reading the person's row (at 10x the review queue read each of a
# team's 500 clients' rows by key in a table of 100,000 people).
_NOT_STAFF = (
    "NOT EXISTS (SELECT 1 FROM accounts_user staff"  # noqa: S608 - this module's literal
    f" WHERE staff.id = a.client_id AND staff.role <> '{Role.CLIENT}')"
)


def without_client_row(condition: tuple[str, dict]) -> tuple[str, dict]:
    """One of the relationship conditions above with the client's role
    checked by _NOT_STAFF (the role is never empty, so a person who is not
    staff is a client): the same relationships, over `a` (and `k`) without
    the client `c`, for a statement that needs no more of the client than
    their id."""
    text, params = condition
    if (text, params) == NOTHING:
        return NOTHING
    return text.replace(_CLIENT, _NOT_STAFF), params


def visible_client_ids(user: User) -> tuple[str, dict]:
    """The clients of relationship_condition(user)'s relationships, as a
    statement (SELECT a.client_id ...) that reads no client's row."""
    condition, params = without_client_row(relationship_condition(user))
    if (condition, params) == NOTHING:
        return NOTHING
    tables = "accounts_caseloadassignment a"
    if "k." in condition:
        tables += " JOIN accounts_user k ON k.id = a.coach_id"
    # Both parts are this module's literals.
    return f"SELECT a.client_id FROM {tables} WHERE {condition}", params  # noqa: S608


# A relationship with its client (the aliases every condition uses but the
# coach's); inside a statement that has its coach as `k` already, enough.
RELATIONSHIPS_WITH_CLIENT = (
    "accounts_caseloadassignment a JOIN accounts_user c ON c.id = a.client_id"
)
# A relationship with its client and coach.
RELATIONSHIPS = f"{RELATIONSHIPS_WITH_CLIENT} JOIN accounts_user k ON k.id = a.coach_id"


def relationship_tables(condition: str) -> str:
    """The relationships a condition above reads: with the coach `k` only
    when it reads the coach (a join less for a coach's own)."""
    return RELATIONSHIPS if "k." in condition else RELATIONSHIPS_WITH_CLIENT


def relationship_rows(select: str, condition: tuple[str, dict], where: str = "", **params):
    """`select` (over the aliases above) of the relationships that meet
    `condition` (one of the functions above) and `where`, in id order, by a
    statement prepared on the server. None asked for when the condition
    matches nothing, as Django does for NOTHING."""
    text, own = condition
    if (text, own) == NOTHING:
        return []
    where = f" AND {where}" if where else ""
    # Every text part is this module's or the caller's literal; values are parameters.
    with connection.prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM {RELATIONSHIPS} WHERE {text}{where} ORDER BY a.id",  # noqa: S608
            {**own, **params},
        )
        return cursor.fetchall()
