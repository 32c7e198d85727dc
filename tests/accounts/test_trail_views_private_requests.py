"""views/trail.py: the audit trail follows a private request's own policy
(issue 29, point 5: "a coach promoted to supervisor sees in /audit/ that a
former client asked privately to talk with a supervisor").

A private request to talk with a supervisor is for the supervisors of the
coach's team, never the coach it is about, nor an admin
(accounts.policy.relationships.private_request_scope); its events in the
trail (asked, read, taken up, done) are shown to the same people only.
HIPAA 45 CFR 164.502(b) and 164.514(d) (minimum necessary: staff see what
their role needs)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from coaching.models import SupervisorRequest
from coaching.services.trust import checkin_submit
from tests.helpers import sign_in
from tests.security.conftest import LOW


@pytest.mark.django_db
def test_a_private_requests_events_show_only_to_who_may_read_the_request(
    client, coach, client_user, supervisor, admin_user
):
    checkin_submit(client=client_user, answers=LOW, talk_to_supervisor=True)
    private = SupervisorRequest.objects.get(client=client_user)
    assert AuditEvent.objects.filter(object_type="supervisorrequest", object_id=private.pk)
    url = reverse("accounts:audit_log")
    sign_in(client, supervisor)
    assert "supervisor_request.create" in client.get(url).content.decode()
    # Casey, the coach the request is about, is promoted to supervise the team.
    coach.role = Role.SUPERVISOR
    coach.save(update_fields=["role"])
    for reader in (coach, admin_user):
        sign_in(client, reader)
        page = client.get(url).content.decode()
        assert page.count("<tr>") > 1, "the trail shows other events"
        assert "supervisor_request" not in page, reader


@pytest.mark.django_db
def test_a_supervisor_does_not_see_when_a_client_uses_the_app(
    client, client_user, supervisor, coach
):
    """What a client does in the app for themselves (downloading their
    record, accepting an invitation, their settings) is not staff's
    business; what their care needs (a check-in, agreeing to the plan,
    signing a consent) stays in the team's trail. 45 CFR 164.502(b)
    (minimum necessary)."""
    sign_in(client, client_user)
    assert client.get(reverse("coaching:my_record_json")).status_code == 200
    checkin_submit(client=client_user, answers=LOW, talk_to_supervisor=False)
    assert AuditEvent.objects.filter(actor=client_user, action="record.download").exists()
    sign_in(client, supervisor)
    page = client.get(reverse("accounts:audit_log")).content.decode()
    assert "checkin.submit" in page
    assert "record.download" not in page
