"""A second email address cannot be added silently and then used to reset the
password (issue 29 point 5): adding one tells the account's verified
addresses; a reset link goes only to a verified address; a completed reset
tells the account's verified addresses. HIPAA 45 CFR 164.312(d) (person or
entity authentication) and 164.308(a)(5)(ii)(C) (log-in monitoring)."""

import pytest
from allauth.account.models import EmailAddress

from tests.conftest import PASSWORD
from tests.helpers import first_link, sign_in, text_body


def _signed_in_again(client, user) -> None:
    sign_in(client, user)
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302


def _to(mailbox, address):
    return [message for message in mailbox if message["To"] == address]


@pytest.mark.django_db
def test_adding_an_address_tells_the_verified_ones(
    client, client_user, mailbox, django_capture_on_commit_callbacks
):
    _signed_in_again(client, client_user)
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/email/", {"action_add": "", "email": "intruder@example.net"}
        )
    assert response.status_code == 302
    (notice,) = _to(mailbox, client_user.email)
    body = text_body(notice)
    assert "added" in body
    # Neutral: neither the new address nor what the service is.
    assert "intruder@example.net" not in body
    assert not {"coach", "recovery", "session"} & set(body.lower().split())


@pytest.mark.django_db
def test_a_reset_link_never_goes_to_an_unverified_address(client, client_user, mailbox):
    EmailAddress.objects.create(user=client_user, email="intruder@example.net", verified=False)
    mailbox.clear()
    response = client.post("/accounts/password/reset/", {"email": "intruder@example.net"})
    assert response.status_code == 302
    assert _to(mailbox, "intruder@example.net") == []
    # The verified one still gets its link.
    client.post("/accounts/password/reset/", {"email": client_user.email})
    assert len(_to(mailbox, client_user.email)) == 1


@pytest.mark.django_db
def test_a_completed_reset_tells_the_verified_addresses(
    client, client_user, mailbox, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=client_user, email="robin.two@example.org", verified=True)
    client.post("/accounts/password/reset/", {"email": "robin.two@example.org"})
    (reset,) = _to(mailbox, "robin.two@example.org")
    link = first_link(reset).replace("http://testserver", "")
    form_page = client.get(link, follow=True)
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    mailbox.clear()
    new_password = "a-brand-new-passphrase-77"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    told = {message["To"] for message in mailbox}
    assert told == {client_user.email, "robin.two@example.org"}
    body = text_body(_to(mailbox, client_user.email)[0])
    assert "password" in body and "reset" in body
