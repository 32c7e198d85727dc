"""bench/organisation.py: the organisation `make bench` measures on, built
in bulk with the big tables' indexes and constraints dropped and made again.
A page measured on it must find what the app itself would have written."""

import pytest
from django.db import connection

from bench import organisation
from coaching.services.figures import figures_drift
from sessions_log.services.notes import note_states_recompute

SMALL = {
    "teams": 2,
    "coaches": 6,
    "clients": 60,
    "sessions": 3_000,
    "notes": 2_500,
    "checkins": 2_000,
    "years": 1,
}
SCHEMA_SQL = """
SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)
FROM pg_constraint WHERE conrelid = ANY(%(tables)s::regclass[])
UNION ALL
SELECT 'index', indrelid::regclass::text, indexrelid::regclass::text, pg_get_indexdef(indexrelid)
FROM pg_index WHERE indrelid = ANY(%(tables)s::regclass[])
ORDER BY 1, 2, 3
"""


def _fetch(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.fetchall()


@pytest.fixture
def small_organisation(monkeypatch):
    monkeypatch.setattr(organisation, "SIZES", SMALL)
    schema = _fetch(SCHEMA_SQL, {"tables": organisation.BULK_TABLES})
    organisation.build()
    return schema


# VACUUM, which the build ends with, cannot run inside a transaction.
@pytest.mark.django_db(transaction=True)
def test_the_bulk_load_leaves_every_index_and_constraint_as_the_migrations_made_them(
    small_organisation,
):
    assert _fetch(SCHEMA_SQL, {"tables": organisation.BULK_TABLES}) == small_organisation
    valid = _fetch(
        "SELECT bool_and(convalidated) FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
        [organisation.BULK_TABLES],
    )
    assert valid == [(True,)]


@pytest.mark.django_db(transaction=True)
def test_every_session_is_between_a_coach_and_a_client_of_their_caseload(small_organisation):
    (sessions, stray, coaches, clients), *_ = _fetch(
        """SELECT count(*),
                  count(*) FILTER (WHERE NOT EXISTS (
                      SELECT FROM accounts_caseloadassignment a
                      WHERE a.coach_id = s.coach_id AND a.client_id = s.client_id
                        AND a.ended_at IS NULL)),
                  count(DISTINCT coach_id), count(DISTINCT client_id)
           FROM sessions_log_session s"""
    )
    assert sessions == SMALL["sessions"]
    assert stray == 0
    # Every coach and every client has sessions, not a few of them all.
    assert (coaches, clients) == (SMALL["coaches"], SMALL["clients"])


@pytest.mark.django_db(transaction=True)
def test_the_sessions_note_states_are_those_the_app_works_out_from_the_notes(small_organisation):
    # Rewriting every state from the notes and reviews finds nothing to change.
    assert note_states_recompute() == 0
    states = dict(
        _fetch("SELECT note_state, count(*) FROM sessions_log_session GROUP BY note_state")
    )
    assert states.get("to_write", 0) > 0
    assert states.get("cosigned", 0) > 0
    assert states.get("awaiting_cosign", 0) > 0


@pytest.mark.django_db(transaction=True)
def test_the_figures_the_pages_read_are_those_history_gives(small_organisation):
    """The dashboard reads the kept figures: a bulk load that left them
    empty or stale would measure a page that shows wrong counts."""
    assert not figures_drift().any
    (days, relationships), *_ = _fetch(
        """SELECT (SELECT count(*) FROM coaching_coachdayfigures WHERE completed > 0),
                  (SELECT count(*) FROM coaching_relationshipfigures
                   WHERE last_contact_at IS NOT NULL)"""
    )
    assert days > 0 and relationships == SMALL["clients"]
