"""Issue 28, point 5 (accounts/services/offline_clients.py): a client with
no login is added by their coach, cannot sign in, and is never mailed
(common/emails.py: the reserved ".invalid" domain, RFC 2606)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import CaseloadAssignment, User
from accounts.services.offline_clients import has_login, offline_client_add
from common import emails


@pytest.mark.django_db
def test_a_coach_adds_a_client_with_no_login_to_their_caseload(coach):
    client = offline_client_add(actor=coach, display_name="  Robin   Park ", time_zone="UTC")
    assert client.display_name == "Robin Park" and client.role == "client"
    assert client.email.endswith(".invalid")
    assert not client.has_usable_password() and not has_login(client)
    assert CaseloadAssignment.objects.filter(coach=coach, client=client).exists()


@pytest.mark.django_db
def test_nothing_is_ever_mailed_to_a_client_with_no_login(coach, mailbox):
    client = offline_client_add(actor=coach, display_name="Robin Park", time_zone="UTC")
    emails.send(template="account_exists", to=client.email, context={"login_url": "/"})
    emails.send(template="account_exists", to="robin@example.org", context={"login_url": "/"})
    assert [message["To"] for message in mailbox] == ["robin@example.org"]


@pytest.mark.django_db
def test_bad_values_and_other_people_are_refused(coach, client_user, supervisor):
    before = User.objects.count()
    with pytest.raises(ValidationError):
        offline_client_add(actor=coach, display_name=" ", time_zone="Mars/Base")
    for outsider in (client_user, supervisor):
        with pytest.raises(PermissionDenied):
            offline_client_add(actor=outsider, display_name="Robin Park", time_zone="UTC")
    assert User.objects.count() == before
