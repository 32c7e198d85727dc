"""views/trail.py: the audit trail page (more in tests/security/test_audit.py)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from tests.helpers import sign_in


@pytest.mark.django_db
def test_each_reading_of_the_trail_is_recorded_once(client, admin_user, supervisor):
    for reader in (admin_user, supervisor):
        sign_in(client, reader)
        response = client.get(reverse("accounts:audit_log"))
        assert response.status_code == 200
        assert AuditEvent.objects.filter(actor=reader, action="audit_trail.view").count() == 1


@pytest.mark.django_db
def test_a_supervisor_is_told_the_trail_is_their_teams(client, admin_user, supervisor):
    note = "What your team's staff did"
    sign_in(client, supervisor)
    assert note in client.get(reverse("accounts:audit_log")).content.decode()
    sign_in(client, admin_user)
    assert note not in client.get(reverse("accounts:audit_log")).content.decode()
