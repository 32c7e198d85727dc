"""accounts/audit_middleware.py: a record asked for and not given (absent,
or not the asker's to see) is logged (issue 29, point 6: "refused and
not-found access to a record is not logged").

HIPAA 45 CFR 164.308(a)(1)(ii)(D) (review of information system activity)
and 164.308(a)(5)(ii)(C) (log-in monitoring): probing for records is
activity to review. The event says who asked which page for which number,
never whether the record exists (the answer is the same 404)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from sessions_log.services.calendar import calendar_feed_renew
from tests.helpers import sign_in, signed_contact


def _refusals(user):
    return AuditEvent.objects.filter(actor=user, action="record.not_found")


@pytest.mark.django_db
def test_another_teams_record_and_a_missing_one_are_logged_alike(
    client, coach, other_coach, other_client
):
    theirs, _note = signed_contact(other_coach, other_client)
    sign_in(client, coach)
    for pk in (theirs.pk, 987654321):
        response = client.get(reverse("sessions_log:session_detail", args=[pk]))
        assert response.status_code == 404
    rows = list(
        _refusals(coach)
        .order_by("pk")
        .values_list("object_type", "object_id", "outcome", "client_id")
    )
    assert rows == [
        ("sessions_log:session_detail", str(theirs.pk), "denied", None),
        ("sessions_log:session_detail", "987654321", "denied", None),
    ]


@pytest.mark.django_db
def test_a_refused_post_is_logged_and_changes_nothing(client, coach, other_coach, other_client):
    _session, note = signed_contact(other_coach, other_client)
    sign_in(client, coach)
    response = client.post(reverse("sessions_log:addendum_add", args=[note.pk]), {"text": "x"})
    assert response.status_code == 404
    assert _refusals(coach).get().object_id == str(note.pk)
    assert not note.addenda.exists()


@pytest.mark.django_db
def test_a_wrong_feed_link_logs_no_token(client, coach):
    token = calendar_feed_renew(actor=coach)
    assert client.get(reverse("sessions_log:feed", args=[token + "x"])).status_code == 404
    assert not AuditEvent.objects.filter(object_id__contains=token[:12]).exists()
    assert not AuditEvent.objects.filter(action="record.not_found").exists()
