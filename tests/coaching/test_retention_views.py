"""views/retention.py: the admins' page of records past retention (HIPAA
45 CFR 164.316(b)(2)(i), 6 years), where each is confirmed for destruction;
opening it is a read of each client listed (164.312(b) audit controls)."""

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from accounts.selectors.trail import record_views_for_viewing
from coaching.selectors.retention import CONFIRMED, READ_ACTION
from tests.conftest import make_user
from tests.helpers import count_queries, retention_passed, sign_in, signed_contact

_past = retention_passed

URL = "/retention/"


@pytest.mark.django_db
def test_the_url_is_the_retention_page():
    assert reverse("coaching:retention_review") == URL


@pytest.mark.django_db
def test_an_admin_sees_whose_records_passed_what_they_hold_and_the_read_is_audited(
    client, admin_user, coach, client_user, other_client
):
    signed_contact(coach, client_user)
    _past(client_user)  # the relationship ended; the session today is the last
    with time_machine.travel(timezone.now() + relativedelta(years=6, days=2)):
        sign_in(client, admin_user)
        response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    # Riley is still with their coach: not listed.
    assert "Robin Park" in page and other_client.display_name not in page
    assert "1 session, 1 note, 0 episodes, 0 consents, 0 check-ins" in page
    assert "Confirm destruction" in page
    reads = record_views_for_viewing(client_user).filter(action=READ_ACTION, actor=admin_user)
    assert reads.count() == 1
    assert not AuditEvent.objects.filter(client=other_client, action=READ_ACTION).exists()


@pytest.mark.django_db
def test_the_page_asks_the_same_number_of_queries_for_one_client_or_many(
    client, admin_user, coach, client_user
):
    _past(client_user)
    sign_in(client, admin_user)
    client.get(URL)  # the first request of a sign-in records it
    one, _ = count_queries(client.get, URL)
    for n in range(4):
        person = make_user(f"past{n}@example.org", Role.CLIENT, name=f"Past {n}")
        _past(person)
    many, response = count_queries(client.get, URL)
    assert response.content.decode().count("Confirm destruction") == 5
    assert many == one == 3  # the session and user, the list, the audit rows


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor", "client_user"])
def test_staff_other_than_admins_and_clients_are_refused(client, who, request, client_user):
    _past(client_user)
    sign_in(client, request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"client": client_user.pk}).status_code == 403
    assert not AuditEvent.objects.filter(action__in=[READ_ACTION, CONFIRMED]).exists()


@pytest.mark.django_db
def test_an_admin_confirms_a_record_and_the_trail_keeps_who(client, admin_user, client_user):
    _past(client_user)
    sign_in(client, admin_user)
    response = client.post(URL, {"client": client_user.pk}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Confirmed." in response.content.decode()
    assert "Confirm destruction" not in response.content.decode()
    event = AuditEvent.objects.get(action=CONFIRMED)
    assert (event.actor, event.client) == (admin_user, client_user)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "abc", "-3", "1e3"])
def test_a_bad_choice_is_refused_with_a_message_and_changes_nothing(
    client, admin_user, client_user, value
):
    _past(client_user)
    sign_in(client, admin_user)
    response = client.post(URL, {"client": value})
    assert response.status_code == 400
    assert "Choose a client from the list to confirm." in response.content.decode()
    assert not AuditEvent.objects.filter(action=CONFIRMED).exists()


@pytest.mark.django_db
def test_a_record_not_past_retention_cannot_be_confirmed_through_the_page(
    client, admin_user, client_user, coach
):
    _past(client_user, days=-1)
    sign_in(client, admin_user)
    assert client.post(URL, {"client": client_user.pk}).status_code == 404
    assert client.post(URL, {"client": coach.pk}).status_code == 404
    assert client.post(URL, {"client": 99999}).status_code == 404
    assert not AuditEvent.objects.filter(action=CONFIRMED).exists()
