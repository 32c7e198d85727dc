"""bench/floor.py: a page's SQL alone is replayed as the page ran it, its
prepared statements prepared (their plan kept), with their parameters."""

import pickle
from types import SimpleNamespace

import pytest
from django.db import connection

from accounts.audit import audit_clients_shown
from accounts.models import AuditEvent, User
from bench import floor
from coaching.selectors.coach_home_sql import coach_home_rows

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
        # A statement through Django's own cursor: replayed the same way.
        assert User.objects.filter(pk=coach.pk).exists()
    (statement,) = [row for row in ran if "WITH rel AS MATERIALIZED" in row[0]]
    _, params, prepared = statement
    assert prepared is True
    assert params["coach"] == coach.pk
    assert [prepared for _, _, prepared in ran] == [True, False]

    # Nothing prepared on the connection (psycopg forgets its own too).
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert not _home_prepared()
    floor.replay(ran)
    assert _home_prepared()
    assert expected["caseload"]


def test_each_page_statement_is_explained_and_what_it_writes_is_rolled_back(
    coach, client_user, tmp_path, monkeypatch, capsys
):
    """make bench writes each GET page's EXPLAIN ANALYZE: the plan of every
    statement one of its requests ran, the audit row's INSERT included but
    not kept."""
    ran = []
    with connection.execute_wrapper(floor._recorder(ran)):
        audit_clients_shown(actor=coach, shown=[("caseload.list", [client_user.pk])])
        coach_home_rows(coach, 1)
    before = AuditEvent.objects.count()
    monkeypatch.setattr(floor, "CAPTURED", tmp_path / "captured.pickle")
    monkeypatch.setattr(floor, "EXPLAINED", tmp_path / "explained.txt")
    floor.CAPTURED.write_bytes(pickle.dumps({"0": [ran]}))
    floor.explain([SimpleNamespace(name="coach home")])
    text = floor.EXPLAINED.read_text()
    assert text.startswith(f"## coach home: {len(ran)} statements")
    assert text.count("Execution Time:") == len(ran) == 2
    assert "Insert on accounts_auditevent" in text
    assert AuditEvent.objects.count() == before
    assert "coach home" in capsys.readouterr().out
    # At 10x the plans go beside the 1x ones, not over them.
    floor.explain([SimpleNamespace(name="coach home")], 10)
    scaled = (tmp_path / "bench-explain-10x.txt").read_text()
    assert scaled.startswith(f"## coach home: {len(ran)} statements")
    assert scaled.count("Execution Time:") == 2
    assert floor.EXPLAINED.read_text() == text
