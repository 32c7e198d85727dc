import pytest

from accounts.models import AuditEvent
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_audit_events_carry_the_request_id_and_ip_but_no_content(client, client_user):
    response = client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    event = AuditEvent.objects.get(action="auth.login", actor=client_user)
    assert event.request_id == response["X-Request-ID"]
    assert event.ip == "127.0.0.1"
    assert event.client == client_user
    assert PASSWORD not in str(AuditEvent.objects.values_list())


@pytest.mark.django_db
def test_a_failed_login_is_audited_as_failed(client, client_user):
    client.post("/accounts/login/", {"login": client_user.email, "password": "wrong-password-123"})
    event = AuditEvent.objects.get(action="auth.login_failed")
    # The account tried is what the row is about; nobody proved to be its owner.
    assert (event.actor, event.object_id, event.outcome) == (None, str(client_user.pk), "failed")
