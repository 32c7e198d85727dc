"""What every signed-in request costs before its page does anything: the
session row and the person (with whether they have a second factor), no
more; the user-session record and the health check are paced, and every
rule they serve still holds."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginSession
from accounts.models.login_sessions import session_key_digest
from tests.helpers import count_queries, sign_in


def _statements(client, url, **extra):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **extra)
    return response, [query["sql"] for query in context.captured_queries]


@pytest.mark.django_db
def test_a_signed_in_request_reads_the_session_and_the_person_in_one_statement_and_writes_nothing(
    client, coach
):
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    client.get(url)  # the login's first request records the user session
    response, statements = _statements(client, url)
    assert response.status_code == 200
    assert response.context["user"] == coach
    reads = [s for s in statements if "accounts_loginsession" in s]
    assert len(reads) == 1
    assert "JOIN accounts_user u" in reads[0] and "mfa_authenticator" in reads[0]
    assert not any("FROM accounts_user u WHERE u.id" in s for s in statements)
    # The second factor is not asked again; nothing is written.
    assert not any(s.lstrip().startswith(("UPDATE", "INSERT")) for s in statements)


@pytest.mark.django_db
def test_the_session_and_person_statement_is_planned_once_per_connection(client, coach):
    """Every request runs it: PostgreSQL keeps its plan (a prepared
    statement) instead of planning it again each time, and no other
    statement is prepared behind Django's back."""
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    for _ in range(3):
        assert client.get(url).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql IS FALSE")
        prepared = [row[0] for row in cursor.fetchall()]
    # The session's statement and the page's own (coaching/selectors/coach_home_sql.py):
    # the invitations and the page (the policy's condition is part of it).
    assert len(prepared) == 3
    assert any("FROM accounts_loginsession s LEFT JOIN accounts_user u" in s for s in prepared)
    assert any("FROM accounts_invitation i" in s for s in prepared)
    assert any("WITH rel AS MATERIALIZED" in s for s in prepared)


@pytest.mark.django_db
def test_a_session_without_its_person_column_still_signs_its_person_in(client, coach):
    """Sessions moved from Django's table keep working: the person is loaded
    on their own until the session is next written."""
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    client.get(url)
    LoginSession.objects.filter(pk=session_key_digest(client.session.session_key)).update(user=None)
    response, statements = _statements(client, url)
    assert response.status_code == 200 and response.context["user"] == coach
    assert sum("FROM accounts_user u WHERE u.id" in s for s in statements) == 1


@pytest.mark.django_db
def test_a_changed_password_ends_other_sessions_even_with_the_person_loaded_alongside(
    client, coach
):
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    assert client.get(url).status_code == 200
    coach.set_password("another long password 123")
    coach.save()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_a_deactivated_person_is_signed_out_at_their_next_request(client, coach):
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    assert client.get(url).status_code == 200
    type(coach).objects.filter(pk=coach.pk).update(is_active=False)
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_the_sessions_page_last_active_time_moves_once_a_minute(client, client_user):
    url = reverse("coaching:client_home")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, client_user)
        client.get(url)
        seen = LoginSession.objects.get(user=client_user).last_seen_at
        clock.shift(timedelta(seconds=50))
        client.get(url)
        assert LoginSession.objects.get(user=client_user).last_seen_at == seen
        clock.shift(timedelta(seconds=11))
        client.get(url)
        assert LoginSession.objects.get(user=client_user).last_seen_at == timezone.now()


@pytest.mark.django_db
def test_a_new_address_or_browser_shows_on_the_sessions_page_at_once(client, client_user):
    sign_in(client, client_user)
    url = reverse("coaching:client_home")
    client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_USER_AGENT="Phone")
    client.get(url, REMOTE_ADDR="10.0.0.2", HTTP_USER_AGENT="Phone")
    assert LoginSession.objects.get(user=client_user).ip == "10.0.0.2"
    client.get(url, REMOTE_ADDR="10.0.0.2", HTTP_USER_AGENT="Laptop")
    assert LoginSession.objects.get(user=client_user).user_agent == "Laptop"


@pytest.mark.django_db
def test_staff_who_remove_their_second_factor_are_sent_to_set_one_up_on_the_next_request(
    client, coach
):
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    assert client.get(url).status_code == 200
    Authenticator.objects.filter(user=coach).delete()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_an_ended_session_signs_the_person_out_on_their_next_request(client, client_user):
    sign_in(client, client_user)
    url = reverse("coaching:client_home")
    assert client.get(url).status_code == 200
    LoginSession.objects.filter(user=client_user).delete()  # signed out from another browser
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_the_database_connection_is_checked_at_most_once_a_second(monkeypatch, client_user):
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)
    connection.ensure_connection()
    connection._last_health_check = float("-inf")
    for _ in range(3):  # three requests in quick succession
        connection.health_check_done = False
        connection.close_if_health_check_failed()
    assert len(checks) == 1
    connection._last_health_check -= 1.5  # a second and a half later
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert len(checks) == 2


@pytest.mark.django_db
def test_a_signed_in_request_costs_the_same_however_many_sessions_exist(client, client_user):
    sign_in(client, client_user)
    url = reverse("coaching:client_home")
    client.get(url)
    few, _ = count_queries(client.get, url)
    for _ in range(20):
        sign_in(type(client)(), client_user)
    many, _ = count_queries(client.get, url)
    assert few == many


@pytest.mark.django_db
def test_a_flash_message_rewrites_the_session_with_one_statement(client, client_user, coach):
    sign_in(client, client_user)
    client.get(reverse("coaching:client_home"))
    answers = {"heard": 8, "safe": 9, "focus": 7, "trust": 8, "helping": 9}
    with CaptureQueriesContext(connection) as context:
        response = client.post(reverse("coaching:checkin_new"), answers)
    assert response.status_code == 302
    writes = [q["sql"] for q in context.captured_queries if "accounts_loginsession" in q["sql"]]
    assert len(writes) == 2 and writes[1].startswith("UPDATE accounts_loginsession")
    assert "Your check-in is saved" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_a_new_session_key_shows_on_the_sessions_page_at_once(client, client_user):
    sign_in(client, client_user)
    url = reverse("coaching:client_home")
    client.get(url)
    session = client.session
    session.cycle_key()  # as a password change does
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert client.get(url).status_code == 200
    row = LoginSession.objects.get(session_key=session_key_digest(session.session_key))
    assert (row.user_id, row.user_agent) == (client_user.pk, "")
    assert row.last_seen_at is not None
