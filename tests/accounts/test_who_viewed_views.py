"""views/who_viewed.py: a client's "Who viewed my record" (more in
tests/security/test_audit.py and tests/accounts/test_payer.py)."""

import pytest
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import AuditEvent
from tests.helpers import sign_in


@pytest.mark.django_db
def test_a_client_sees_staff_reads_and_their_own_reading_is_not_recorded(
    client, coach, client_user, other_client
):
    audit_record(actor=coach, action="client.view", obj=client_user)
    sign_in(client, client_user)
    before = AuditEvent.objects.count()
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert "looked at your record" in page
    assert AuditEvent.objects.count() == before
    sign_in(client, other_client)
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert "No one has looked at your record yet." in page


@pytest.mark.django_db
def test_staff_cannot_open_a_clients_record_views(client, coach):
    sign_in(client, coach)
    assert client.get(reverse("accounts:record_views")).status_code == 403
