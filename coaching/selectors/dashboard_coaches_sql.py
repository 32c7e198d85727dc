"""The coaches of the team dashboard: which ones a viewer reviews (the
access policy's rule in SQL), in name order, all of them or one page cut
by an index; and the teams an admin may filter them to. Each a prepared
statement (coaching/selectors/dashboard_sql.py computes their figures)."""

from django.db import connection
from psycopg.types.numeric import Int8

from accounts.models import User
from accounts.policy.relationships import reviews_every_team
from accounts.policy.sql import NOTHING, reviewable_coach_condition, team_condition

# The sorts by name: the page's coaches are picked (by the page statement)
# before any figure is computed.
NAME_SORTS = ("coach", "-coach")
# Each coach in the order of the name sorts. lower() first: the order
# Python's `str.lower` gave when the view sorted the rows (the same for
# ASCII names in any collation); then the stored name and the id, so equal
# names keep one order. Descending keeps the ties ascending, as Python's
# reverse sort kept them.
_BY_NAME = {
    "coach": "lower(k.display_name), k.display_name, k.id",
    "-coach": "lower(k.display_name) DESC, k.display_name, k.id",
}


def _reviewed_condition(user: User, team: int | None) -> tuple[str, dict]:
    """The policy's coaches `user` reviews, of `team` only if given, as a
    condition on `k`. An admin's (role = 'coach') is the predicate of the
    name indexes (user_coach_by_name*): PostgreSQL reads the coaches from
    them alone, in order, whatever the number of clients."""
    condition, params = reviewable_coach_condition(user)
    if (condition, params) == NOTHING or team is None:
        return condition, params
    return f"{condition} AND k.team_id = %(team)s", {**params, "team": Int8(team)}


def reviewed_coach_ids(user: User, team: int | None = None, sort: str = "coach") -> list[int]:
    """The coaches whose caseload `user` reviews (the policy's rule in SQL),
    of `team` only if given, by name (`sort`: "coach" or "-coach"). One
    prepared statement: a few static texts, one per kind of viewer."""
    condition, params = _reviewed_condition(user, team)
    if (condition, params) == NOTHING:
        return []
    order = _BY_NAME[sort if sort in _BY_NAME else "coach"]
    # Every part of the text is this module's or the policy module's literal.
    sql = f"SELECT k.id FROM accounts_user k WHERE {condition} ORDER BY {order}"  # noqa: S608
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


def reviewed_coach_page(
    user: User, team: int | None, sort: str, start: int, size: int
) -> tuple[list[int], int]:
    """The `size` coaches from `start` of reviewed_coach_ids(user, team,
    sort) and how many it has. One prepared statement that reads the page
    in the order of the coaches' name index (user_coach_by_name*) and
    counts them from it, instead of sorting every coach: for an admin's
    every team, 2,000 names at 10x to show 50."""
    condition, params = _reviewed_condition(user, team)
    if (condition, params) == NOTHING:
        return [], 0
    order = _BY_NAME[sort if sort in _BY_NAME else "coach"]
    # Every part of the text is this module's or the policy module's literal.
    sql = (
        f"SELECT (SELECT count(*) FROM accounts_user k WHERE {condition}),"  # noqa: S608
        f" ARRAY(SELECT k.id FROM accounts_user k WHERE {condition} ORDER BY {order}"
        " LIMIT %(size)s OFFSET %(start)s)"
    )
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, {**params, "size": Int8(size), "start": Int8(start)})
        total, ids = cursor.fetchone()
    return ids, total


def dashboard_teams(user: User) -> list[tuple[int, str]]:
    """The teams whose coaches `user` may filter the dashboard to, as (id,
    name) by name: an admin, every team (team_condition, team_scope's rule
    in SQL; one prepared statement); a
    supervisor, their own (no query: the name is not shown, as they get no
    filter)."""
    if reviews_every_team(user):
        # The policy's rule in SQL (held equal to team_scope): a prepared
        # statement, not an ORM query built on every admin's view.
        condition, params = team_condition(user)
        if (condition, params) == NOTHING:
            return []
        # Both parts of the text are literals (this module's and the policy's).
        sql = f"SELECT t.id, t.name FROM accounts_team t WHERE {condition} ORDER BY t.name, t.id"  # noqa: S608
        with connection.prepared_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    return [(user.team_id, "")] if user.team_id else []
