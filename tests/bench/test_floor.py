"""bench/floor.py: a page's SQL alone is replayed as the page ran it, its
prepared statements prepared (their plan kept), with their parameters."""

import pytest
from django.db import connection

from bench import floor
from coaching.selectors.coach_home_sql import COACH_HOME_SQL, coach_home_rows

pytestmark = pytest.mark.django_db


def _home_prepared() -> bool:
    """Whether the coach home's statement is prepared on this connection
    (PostgreSQL shows it with $n placeholders)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql IS FALSE")
        return any("WITH rel AS MATERIALIZED" in row[0] for row in cursor.fetchall())


def test_a_page_statement_prepared_on_the_server_is_recorded_and_replayed_prepared(
    coach, client_user
):
    ran = []
    with connection.execute_wrapper(floor._recorder(ran)):
        expected = coach_home_rows(coach, 1)
    (statement,) = [row for row in ran if row[0] == COACH_HOME_SQL]
    _, params, prepared = statement
    assert prepared is True
    assert params["coach"] == coach.pk
    # The policy's own query ran through Django's cursor: replayed the same way.
    assert any(not row[2] for row in ran)

    # Nothing prepared on the connection (psycopg forgets its own too).
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert not _home_prepared()
    floor.replay(ran)
    assert _home_prepared()
    assert expected["caseload"]
