"""No table holds a live session key (issue 29, point 1): the cookie
carries the key, the database only its digest. A reader of any table (a
replica, a DBA, an injected query) finds nothing that signs anyone in.
45 CFR 164.312(a)(2)(iv) (encryption at rest), 164.312(d) (person or entity
authentication)."""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests.conftest import PASSWORD

_TEXT_TYPES = ("character varying", "text", "character", "json", "jsonb")


def _columns_holding(value: str) -> list[str]:
    """Every text column of every table of the app's schema that holds
    `value` anywhere in a row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
            "AND c.data_type = ANY(%s)",
            [list(_TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        assert len(columns) > 50  # the search covers the whole schema
        found = []
        for table, column in columns:
            cursor.execute(
                f'SELECT EXISTS (SELECT FROM "{table}" WHERE strpos("{column}"::text, %s) > 0)',  # noqa: S608
                [value],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


@pytest.mark.django_db
def test_no_table_holds_the_key_of_a_signed_in_session(client, client_user):
    """Sign in (as a browser does: the login form, then pages), take the
    cookie's key: no column of any table holds it."""
    client.post(
        reverse("account_login"),
        {"login": client_user.email, "password": PASSWORD},
        HTTP_USER_AGENT="Phone",
    )
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("coaching:client_home"), HTTP_USER_AGENT="Phone").status_code == 200
    assert client.get("/accounts/sessions/", HTTP_USER_AGENT="Laptop").status_code == 200
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == key  # still this session
    assert _columns_holding(key) == []
