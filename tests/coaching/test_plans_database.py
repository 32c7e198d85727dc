"""PostgreSQL keeps an agreed plan version as it was agreed, whatever sends
the SQL (coaching migration 0007): the version row, the goals and steps
copied into it, who changed what, and the plan goals of a signed note.
Key rotation, by the owner, may rewrite their ciphertext and nothing else."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from coaching.models import AgreedGoal, NoteGoal, PlanChange, PlanVersion
from coaching.services.plans import note_goals_set
from common import crypto
from sessions_log.services.notes import note_open, note_sign
from tests.helpers import agree, draft_of, past_contact, plan_with


def _refused(sql: str, params) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def agreed(coach, client_user):
    plan_with(coach, client_user, goals=1, steps=1)
    return agree(coach, client_user)


@pytest.mark.django_db
def test_an_agreed_version_refuses_any_change_or_deletion_under_raw_sql(agreed):
    refused = [
        "UPDATE coaching_planversion SET agreed_at = now() WHERE id = %s",
        "UPDATE coaching_planversion SET client_name = 'Someone else' WHERE id = %s",
        "UPDATE coaching_planversion SET coach_signed_at = NULL WHERE id = %s",
        "DELETE FROM coaching_planversion WHERE id = %s",
        "UPDATE coaching_agreedgoal SET area = 'Health' WHERE version_id = %s",
        "DELETE FROM coaching_agreedgoal WHERE version_id = %s",
        "UPDATE coaching_agreedstep SET target_date = now() WHERE agreed_goal_id IN "
        "(SELECT id FROM coaching_agreedgoal WHERE version_id = %s)",
        "DELETE FROM coaching_planchange WHERE plan_id = "
        "(SELECT plan_id FROM coaching_planversion WHERE id = %s)",
    ]
    for sql in refused:
        _refused(sql, [agreed.pk])
    _refused(
        "UPDATE coaching_agreedgoal SET words = %s WHERE version_id = %s",
        [crypto.encrypt("Changed"), agreed.pk],
    )
    assert PlanVersion.objects.get(pk=agreed.pk).agreed_at == agreed.agreed_at
    assert AgreedGoal.objects.get(version=agreed).words == "Goal 0"


@pytest.mark.django_db
def test_a_draft_version_may_still_change(coach, client_user):
    plan_with(coach, client_user)
    draft = draft_of(client_user)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE coaching_planversion SET client_name = 'x' WHERE id = %s", [draft.pk]
        )
    assert PlanVersion.objects.get(pk=draft.pk).client_name == "x"


@pytest.mark.django_db
def test_while_rotating_keys_an_agreed_version_may_change_only_its_ciphertext(agreed):
    def rotating(sql, params):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL coaching.rotating_keys = 'on'")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL coaching.rotating_keys = 'off'")

    rotating(
        "UPDATE coaching_agreedgoal SET words = %s, why = %s WHERE version_id = %s",
        [crypto.encrypt("Goal 0"), crypto.encrypt("Me"), agreed.pk],
    )
    with pytest.raises(DatabaseError):
        rotating(
            "UPDATE coaching_agreedgoal SET area = 'Health' WHERE version_id = %s", [agreed.pk]
        )
    with pytest.raises(DatabaseError):
        rotating("UPDATE coaching_planversion SET agreed_at = now() WHERE id = %s", [agreed.pk])
    with pytest.raises(DatabaseError):
        rotating("DELETE FROM coaching_agreedgoal WHERE version_id = %s", [agreed.pk])
    assert AgreedGoal.objects.get(version=agreed).area == "Housing"


@pytest.mark.django_db
def test_the_plan_goals_of_a_signed_note_are_fixed(coach, client_user):
    (goal, other) = plan_with(coach, client_user, goals=2, steps=0)
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=3)))
    note_goals_set(actor=coach, note=note, goals={goal.pk: "Talked about it"})
    note.narrative = "Talked"
    note.save()
    note_sign(actor=coach, note=note)
    link = NoteGoal.objects.get(note=note)

    _refused("UPDATE coaching_notegoal SET words = '' WHERE id = %s", [link.pk])
    _refused("DELETE FROM coaching_notegoal WHERE id = %s", [link.pk])
    _refused(
        "INSERT INTO coaching_notegoal (note_id, goal_id, words) VALUES (%s, %s, '')",
        [note.pk, other.pk],
    )
    assert list(NoteGoal.objects.values_list("goal_id", "words")) == [(goal.pk, "Talked about it")]


@pytest.mark.django_db
def test_who_changed_what_is_append_only(coach, client_user):
    plan_with(coach, client_user)
    change = PlanChange.objects.first()
    _refused("UPDATE coaching_planchange SET actor_id = actor_id WHERE id = %s", [change.pk])
