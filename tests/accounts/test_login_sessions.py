"""The session table keeps only a digest of each session key: a copy of the
database (a backup, a replica, a reader of the table) holds nothing that
signs anyone in. The cookie still carries the key; the row is found by the
key's SHA-256 (issue 29, point 1)."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import LoginSession
from accounts.models.login_sessions import session_key_digest
from common.tokens import token_digest
from tests.conftest import PASSWORD
from tests.helpers import sign_in


def _cookie_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.django_db
def test_the_session_table_holds_a_digest_of_the_key_never_the_key(client, client_user):
    """45 CFR 164.312(a)(2)(iv), 164.312(d): a copy of the table must not
    authenticate anyone."""
    sign_in(client, client_user)
    key = _cookie_key(client)
    stored = list(LoginSession.objects.values_list("session_key", flat=True))
    assert key not in stored
    assert stored == [token_digest(key)] == [session_key_digest(key)]
    assert len(stored[0]) == 64
    assert LoginSession.objects.get(session_key=session_key_digest(key)).user_id == client_user.pk


@pytest.mark.django_db
def test_a_digest_taken_from_the_database_does_not_sign_in(client, client_user):
    """45 CFR 164.312(d): a value read from the session table (a backup, a
    replica) is not a session cookie."""
    sign_in(client, client_user)
    page = reverse("coaching:client_home")
    assert client.get(page).status_code == 200
    stolen = LoginSession.objects.get().session_key
    thief = type(client)()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = thief.get(page)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # The real cookie still works.
    assert client.get(page).status_code == 200


@pytest.mark.django_db
def test_signing_in_with_a_password_and_out_again_ends_the_digested_row(client, client_user):
    client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    key = _cookie_key(client)
    assert LoginSession.objects.filter(session_key=session_key_digest(key)).exists()
    client.post("/accounts/logout/")
    assert not LoginSession.objects.filter(session_key=session_key_digest(key)).exists()
    assert not LoginSession.objects.filter(user=client_user).exists()
