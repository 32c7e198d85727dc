"""Requests about a client's record, logged by staff, with the 30-day clock
of HIPAA 45 CFR 164.524(b)(2) (access) and 164.526(b)(2) (amendment): an
amendment accepted becomes the note coach's addendum (164.526(c)(1)); one
denied keeps its basis and the client's statement of disagreement with the
record (164.526(d)(1)(ii)-(iii), (d)(4))."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from coaching.models import RecordRequest
from coaching.services.record_requests import record_request_decide, record_request_log
from sessions_log.models import Addendum
from tests.helpers import sign_in, signed_contact


def _amendment(actor, client, note, received_on=None):
    return record_request_log(
        actor=actor,
        client=client,
        kind="amendment",
        received_on=received_on or timezone.localdate(),
        asked="The note says I missed a meeting; I was there.",
        note=note,
    )


@pytest.mark.django_db
def test_a_request_is_due_30_days_after_it_was_received(coach, client_user):
    request = record_request_log(
        actor=coach,
        client=client_user,
        kind="access",
        received_on=date(2026, 11, 20),
        asked="A copy of everything, on paper",
    )
    assert request.due_on == date(2026, 12, 20)
    assert AuditEvent.objects.filter(action="record_request.log", client=client_user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "access", "asked": ""}, "asked"),
        ({"kind": "access", "received_on": date(2999, 1, 1)}, "received_on"),
        ({"kind": "amendment", "note": None}, "note"),
        ({"kind": "bogus"}, "kind"),
    ],
)
def test_a_bad_request_is_refused_and_nothing_is_logged(coach, client_user, fields, field):
    values = {"received_on": timezone.localdate(), "asked": "A copy", "note": None, **fields}
    with pytest.raises(ValidationError) as error:
        record_request_log(actor=coach, client=client_user, **values)
    assert field in error.value.message_dict
    assert not RecordRequest.objects.exists()


@pytest.mark.django_db
def test_an_amendment_names_only_the_clients_own_signed_note(
    coach, client_user, other_coach, other_client
):
    _, their_note = signed_contact(other_coach, other_client)
    with pytest.raises(ValidationError):
        _amendment(coach, client_user, their_note)
    assert not RecordRequest.objects.exists()


@pytest.mark.django_db
def test_staff_outside_the_clients_care_log_nothing(other_coach, admin_user, client_user):
    for outsider in (other_coach, admin_user, client_user):
        with pytest.raises(PermissionDenied):
            record_request_log(
                actor=outsider,
                client=client_user,
                kind="access",
                received_on=timezone.localdate(),
                asked="A copy",
            )


@pytest.mark.django_db
def test_an_accepted_amendment_is_the_note_coachs_addendum(client, coach, supervisor, client_user):
    _, note = signed_contact(coach, client_user)
    request = _amendment(supervisor, client_user, note)
    # A supervisor may not write in the coach's note: they deny, or ask the coach.
    with pytest.raises(ValidationError):
        record_request_decide(
            actor=supervisor, request=request, decision="accepted", amendment="I attended."
        )
    assert not Addendum.objects.exists()
    record_request_decide(
        actor=coach, request=request, decision="accepted", amendment="I attended."
    )
    request.refresh_from_db()
    assert request.decision == "accepted" and request.decided_by == coach
    assert request.addendum.note == note and "I attended." in request.addendum.text
    assert request.addendum.author == coach
    sign_in(client, client_user)
    record = json.loads(client.get(reverse("coaching:my_record_json")).content)
    addenda = [a["text"] for s in record["sessions"] if s["note"] for a in s["note"]["addenda"]]
    assert any("I attended." in text for text in addenda)


@pytest.mark.django_db
def test_a_denied_amendment_keeps_the_clients_statement_with_the_record(
    client, coach, supervisor, client_user
):
    _, note = signed_contact(coach, client_user)
    request = _amendment(coach, client_user, note)
    with pytest.raises(ValidationError):
        record_request_decide(actor=supervisor, request=request, decision="denied")
    record_request_decide(
        actor=supervisor,
        request=request,
        decision="denied",
        denial_reason="The attendance was recorded by the coach at the time.",
        disagreement="Statement DISAGREE-4411: I was in the room.",
    )
    request.refresh_from_db()
    assert request.decision == "denied" and request.decided_on is not None
    assert not Addendum.objects.exists()
    with pytest.raises(ValidationError):
        record_request_decide(actor=supervisor, request=request, decision="accepted")
    sign_in(client, client_user)
    mine = client.get(reverse("coaching:my_record")).content.decode()
    assert "DISAGREE-4411" in mine and "recorded by the coach at the time" in mine
    body = client.get(reverse("coaching:my_record_json")).content.decode()
    assert "DISAGREE-4411" in body
    printed = client.get(reverse("coaching:my_record_print")).content.decode()
    assert "DISAGREE-4411" in printed
    sign_in(client, coach)
    page = client.get(reverse("coaching:client_record_requests", args=[client_user.pk]))
    assert "DISAGREE-4411" in page.content.decode()


@pytest.mark.django_db
def test_an_access_request_is_closed_as_done_only(coach, client_user):
    request = record_request_log(
        actor=coach,
        client=client_user,
        kind="access",
        received_on=timezone.localdate() - timedelta(days=3),
        asked="A copy",
    )
    with pytest.raises(ValidationError):
        record_request_decide(actor=coach, request=request, decision="accepted", amendment="x")
    record_request_decide(actor=coach, request=request, decision="done")
    request.refresh_from_db()
    assert request.decision == "done"
