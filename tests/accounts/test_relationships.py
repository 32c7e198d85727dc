import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from accounts.services.relationships import assignment_create


@pytest.mark.django_db
def test_a_client_cannot_have_two_active_coaches(coach, other_coach, client_user):
    with pytest.raises(ValidationError, match="already has an active coach"):
        assignment_create(actor=coach, coach=other_coach, client=client_user)
    assert CaseloadAssignment.objects.filter(client=client_user).count() == 1


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_active_coach(other_coach, client_user):
    with pytest.raises(IntegrityError, match="one_active_coach_per_client"):
        CaseloadAssignment.objects.create(coach=other_coach, client=client_user)


@pytest.mark.django_db
def test_history_is_kept_when_a_client_moves_to_another_coach(coach, other_coach, client_user):
    CaseloadAssignment.objects.filter(client=client_user).update(
        ended_at=timezone.now(), end_reason="moved"
    )
    assignment_create(actor=other_coach, coach=other_coach, client=client_user)
    coaches = list(
        CaseloadAssignment.objects.filter(client=client_user)
        .order_by("started_at")
        .values_list("coach", flat=True)
    )
    assert coaches == [coach.pk, other_coach.pk]


@pytest.mark.django_db
def test_only_coaches_take_clients(supervisor, client_user, other_client):
    with pytest.raises(ValidationError, match="Only a coach"):
        assignment_create(actor=supervisor, coach=supervisor, client=other_client)


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted(coach):
    event = AuditEvent.objects.create(actor=coach, action="test.event")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE accounts_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"
