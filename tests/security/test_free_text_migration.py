"""The migrations that encrypt free text (sessions_log 0010_encrypt_free_text,
accounts 0006_encrypt_free_text) encrypt the rows already there, signed notes
included (through the lock trigger's rotation path), and decrypt them again
when reversed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import CaseloadAssignment
from common import crypto
from sessions_log.models import Note, NoteReview, Session

ENCRYPTING = [("sessions_log", "0010_encrypt_free_text"), ("accounts", "0006_encrypt_free_text")]

PLAIN = {
    "location": "Plain location, St Mary's hall",
    "video_url": "https://video.example.org/plain-room",
    "agenda": "Plain agenda: ask about the relapse",
    "cancel_reason": "Plain cancel reason: in hospital",
    "goals": "Plain goals: stay sober for the wedding",
    "next_steps": "Plain next steps: call the sponsor",
    "comment": "Plain review comment: add the risk plan",
    "end_reason": "Plain end reason: asked for a woman coach",
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _before(executor) -> list[tuple[str, str]]:
    """Where each app stood just before its encrypting migration."""
    graph = executor.loader.graph
    return [
        parent.key
        for key in ENCRYPTING
        for parent in graph.node_map[key].parents
        if parent.key[0] == key[0]
    ]


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _plant_plain_rows(old_apps) -> dict:
    """Rows as the app wrote them before encryption, through the models of then."""
    user_model = old_apps.get_model("accounts", "User")
    coach = user_model.objects.create(email="c@example.org", display_name="C", role="coach")
    former = user_model.objects.create(email="f@example.org", display_name="F", role="coach")
    client = user_model.objects.create(email="k@example.org", display_name="K", role="client")
    supervisor = user_model.objects.create(
        email="s@example.org", display_name="S", role="supervisor"
    )
    now = timezone.now()
    assignment = old_apps.get_model("accounts", "CaseloadAssignment").objects.create(
        coach=former,
        client=client,
        started_at=now - timedelta(days=30),
        ended_at=now - timedelta(days=2),
        end_reason=PLAIN["end_reason"],
    )
    session_model = old_apps.get_model("sessions_log", "Session")
    common = {"coach": coach, "client": client, "created_by": coach, "modality": "video"}
    held = session_model.objects.create(
        **common,
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=2),
        status="completed",
        location=PLAIN["location"],
        video_url=PLAIN["video_url"],
        agenda=PLAIN["agenda"],
    )
    cancelled = session_model.objects.create(
        **common,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=1),
        status="cancelled",
        cancelled_at=now,
        cancel_reason=PLAIN["cancel_reason"],
    )
    drafted = session_model.objects.create(
        **common,
        starts_at=now - timedelta(hours=6),
        ends_at=now - timedelta(hours=5),
        status="completed",
    )
    note_model = old_apps.get_model("sessions_log", "Note")
    signed = note_model.objects.create(
        session=held,
        author=coach,
        narrative="What happened",
        goals=PLAIN["goals"],
        next_steps=PLAIN["next_steps"],
        signed_at=now - timedelta(hours=1),
    )
    draft = note_model.objects.create(
        session=drafted, author=coach, goals=PLAIN["goals"], next_steps=""
    )
    review = old_apps.get_model("sessions_log", "NoteReview").objects.create(
        note=signed, reviewer=supervisor, decision="returned", comment=PLAIN["comment"]
    )
    return {
        "assignment": assignment.pk,
        "held": held.pk,
        "cancelled": cancelled.pk,
        "signed": signed.pk,
        "draft": draft.pk,
        "review": review.pk,
    }


COLUMNS = [
    ("sessions_log_session", "location", "held"),
    ("sessions_log_session", "video_url", "held"),
    ("sessions_log_session", "agenda", "held"),
    ("sessions_log_session", "cancel_reason", "cancelled"),
    ("sessions_log_note", "goals", "signed"),
    ("sessions_log_note", "next_steps", "signed"),
    ("sessions_log_note", "goals", "draft"),
    ("sessions_log_notereview", "comment", "review"),
    ("accounts_caseloadassignment", "end_reason", "assignment"),
]


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_existing_free_text_signed_notes_included():
    executor = _migrate(ENCRYPTING)  # as far as this test's subject, whatever else exists
    before = _before(executor)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor = _migrate(before)
        rows = _plant_plain_rows(executor.loader.project_state(before).apps)
        signed_row = _raw(
            "sessions_log_note", "signed_at::text || updated_at::text", rows["signed"]
        )
        for table, column, row in COLUMNS:
            assert _raw(table, column, rows[row]) == PLAIN[column]

        _migrate(leaves)

        for table, column, row in COLUMNS:
            stored = _raw(table, column, rows[row])
            assert stored != PLAIN[column], (table, column)
            assert crypto.decrypt(stored) == PLAIN[column], (table, column)
        # The signed note is still the one that was signed, only encrypted.
        assert _raw("sessions_log_note", "signed_at::text || updated_at::text", rows["signed"]) == (
            signed_row
        )
        note = Note.objects.get(pk=rows["signed"])
        assert (note.goals, note.next_steps) == (PLAIN["goals"], PLAIN["next_steps"])
        assert note.narrative == "What happened"
        held = Session.objects.get(pk=rows["held"])
        assert (held.location, held.video_url, held.agenda) == (
            PLAIN["location"],
            PLAIN["video_url"],
            PLAIN["agenda"],
        )
        assert Session.objects.get(pk=rows["cancelled"]).cancel_reason == PLAIN["cancel_reason"]
        assert NoteReview.objects.get(pk=rows["review"]).comment == PLAIN["comment"]
        assert (
            CaseloadAssignment.objects.get(pk=rows["assignment"]).end_reason
            == (PLAIN["end_reason"])
        )

        # Reversed, the text is plain again (and the triggers are 0004's).
        _migrate(before)
        for table, column, row in COLUMNS:
            assert _raw(table, column, rows[row]) == PLAIN[column]
    finally:
        _migrate(leaves)
