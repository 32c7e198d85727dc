"""accounts 0013_login_session_devices: what allauth's usersessions table
said of each session (address, browser, times) moves onto the session's own
row, found by the key's digest, and the table, which held every session's
key in the clear, is dropped: after it no table holds a session key
(issue 29, point 1; 45 CFR 164.312(a)(2)(iv), 164.312(d))."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import LoginSession
from accounts.models.login_sessions import session_key_digest

BEFORE = [("accounts", "0012_organisation_time_zone")]
KEY = "k" * 32

# allauth.usersessions' table as its migrations made it.
ALLAUTH_TABLE = """
CREATE TABLE usersessions_usersession (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL,
    ip inet NOT NULL,
    last_seen_at timestamptz NOT NULL,
    session_key varchar(40) NOT NULL UNIQUE,
    user_agent varchar(200) NOT NULL,
    data jsonb NOT NULL,
    user_id bigint NOT NULL REFERENCES accounts_user (id)
)
"""


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _table_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('usersessions_usersession') IS NOT NULL")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_what_the_page_showed_and_drops_the_table_of_keys():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    started = timezone.now() - timedelta(hours=2)
    try:
        old_apps = _migrate(BEFORE).loader.project_state(BEFORE).apps
        user = old_apps.get_model("accounts", "User").objects.create(
            email="k@example.org", display_name="K", role="client"
        )
        old_apps.get_model("accounts", "LoginSession").objects.create(
            session_key=session_key_digest(KEY),
            session_data="",
            expire_date=timezone.now() + timedelta(days=1),
            user=user,
        )
        with connection.cursor() as cursor:
            cursor.execute(ALLAUTH_TABLE)
            cursor.execute(
                "INSERT INTO usersessions_usersession "
                "(created_at, ip, last_seen_at, session_key, user_agent, data, user_id) "
                "VALUES (%s, '10.1.2.3', %s, %s, 'Phone Safari', '{}', %s)",
                [started, started + timedelta(minutes=5), KEY, user.pk],
            )

        _migrate(leaves)

        assert not _table_exists()
        row = LoginSession.objects.get(session_key=session_key_digest(KEY))
        assert (row.ip, row.user_agent) == ("10.1.2.3", "Phone Safari")
        assert (row.created_at, row.last_seen_at) == (started, started + timedelta(minutes=5))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS usersessions_usersession")
        _migrate(leaves)
