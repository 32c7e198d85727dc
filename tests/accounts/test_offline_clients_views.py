"""Issue 28, point 5, the page (accounts/views/offline_clients.py): a coach
adds a client who has no app account from their caseload page. The client
joins the caseload; no mail ever goes to them (not when added, not on a
password reset, not through the outbox's kept connection:
common/emails.py `deliverable`, the reserved ".invalid" domain of RFC 2606);
nobody can sign in as them. Bad input changes nothing; other roles are
refused."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import AuditEvent, CaseloadAssignment, User
from common import emails
from tests.helpers import sign_in

LOGIN = "/accounts/login/"


def _add(client, name="Robin Park"):
    return client.post(
        reverse("accounts:offline_client_create"),
        {"display_name": name, "time_zone": "America/Chicago"},
    )


@pytest.mark.django_db
def test_a_coach_adds_a_client_with_no_login_from_the_caseload_page(client, coach, mailbox):
    sign_in(client, coach)
    mailbox.clear()
    home = client.get(reverse("coaching:coach_home")).content.decode()
    assert "Add a client without an app account" in home
    assert reverse("accounts:offline_client_create") in home
    assert (
        "Add a client with no login"
        in client.get(reverse("accounts:offline_client_create")).content.decode()
    )
    response = _add(client, "  Jamie   Reyes ")
    assert response.status_code == 302
    added = User.objects.get(display_name="Jamie Reyes")
    assert added.role == "client" and added.time_zone == "America/Chicago"
    assert added.email.endswith("@clients.invalid")
    assert CaseloadAssignment.objects.filter(coach=coach, client=added).exists()
    assert AuditEvent.objects.filter(action="client.add_offline", actor=coach).exists()
    home = client.get(response["Location"]).content.decode()
    assert reverse("coaching:client_timeline", args=[added.pk]) in home
    assert "Jamie Reyes" in home
    assert list(mailbox) == []  # nothing was mailed, to anyone


@pytest.mark.django_db
def test_nobody_can_sign_in_as_a_client_with_no_login_nor_reset_their_password(
    client, coach, mailbox
):
    sign_in(client, coach)
    _add(client)
    added = User.objects.get(display_name="Robin Park")
    client.logout()
    mailbox.clear()
    for password in ("", "!", added.password):
        client.post(LOGIN, {"login": added.email, "password": password})
        assert SESSION_KEY not in client.session
    response = client.post("/accounts/password/reset/", {"email": added.email})
    assert response.status_code == 302  # it looks like any other address
    assert list(mailbox) == []


@pytest.mark.django_db
def test_the_outboxs_kept_connection_sends_nothing_to_a_client_with_no_login(
    client, coach, mailbox
):
    sign_in(client, coach)
    _add(client)
    added = User.objects.get(display_name="Robin Park")
    mailbox.clear()
    context = {"login_url": "/"}
    try:
        emails.send_kept(emails.build(template="account_exists", to=added.email, context=context))
        emails.send_kept(
            emails.build(template="account_exists", to="jo@example.org", context=context)
        )
    finally:
        emails.kept_close()
    assert [message["To"] for message in mailbox] == ["jo@example.org"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"display_name": " ", "time_zone": "UTC"}, "Give the name the client goes by."),
        (
            {"display_name": "Robin Park", "time_zone": "Mars/Base"},
            "Choose the client&#x27;s time zone from the list.",
        ),
    ],
)
def test_bad_input_is_answered_on_the_form_and_adds_nobody(client, coach, data, message):
    sign_in(client, coach)
    before = (User.objects.count(), CaseloadAssignment.objects.count())
    response = client.post(reverse("accounts:offline_client_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (User.objects.count(), CaseloadAssignment.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["supervisor", "client_user"])
def test_other_roles_may_not_add_one(request, client, who):
    sign_in(client, request.getfixturevalue(who))
    before = User.objects.count()
    assert _add(client).status_code == 403
    assert User.objects.count() == before
