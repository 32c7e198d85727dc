"""The outreach page: the permission ladder, the preferences shown before
reaching out, an attempt logged in two taps, bad input answered on the form
with nothing changed, and a query count that does not grow with attempts."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from coaching.models import ContactPreferences, OutreachAttempt
from coaching.services.outreach import contact_preferences_set
from tests.coaching.test_outreach import attempt
from tests.helpers import count_queries, sign_in


@pytest.mark.django_db
def test_the_outreach_page_walks_the_permission_ladder(
    client, coach, client_user, supervisor, other_coach, admin_user
):
    url = reverse("coaching:outreach", args=[client_user.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    sign_in(client, other_coach)
    assert client.get(url).status_code == 404
    for wrong_role in (admin_user, client_user):
        sign_in(client, wrong_role)
        assert client.get(url).status_code == 403
    for reader in (coach, supervisor):
        sign_in(client, reader)
        assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="outreach.view", client=client_user).count() == 2
    # Only the coach logs; the supervisor reads.
    post = reverse("coaching:outreach_attempt", args=[client_user.pk])
    assert client.post(post, {"channel": "phone", "outcome": "reached"}).status_code == 403
    assert "Log an attempt" not in client.get(url).content.decode()
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    sign_in(client, coach)
    assert client.get(url).status_code == 404
    assert client.post(post, {"channel": "phone", "outcome": "reached"}).status_code == 404
    assert not OutreachAttempt.objects.exists()


@pytest.mark.django_db
def test_a_coach_sees_the_preferences_then_logs_in_two_taps(client, coach, client_user):
    sign_in(client, coach)
    url = reverse("coaching:outreach", args=[client_user.pk])
    body = client.get(url).content.decode()
    assert "No contact preferences yet." in body
    response = client.post(
        reverse("coaching:contact_preferences", args=[client_user.pk]),
        {"preferred_channels": ["text", "phone"], "ok_to_text": "on"},
    )
    assert response.status_code == 302
    body = client.get(url).content.decode()
    assert "Prefers: Text, Phone." in body
    assert "OK to text" in body and "Do not leave a voicemail" in body
    assert "Do not email" in body
    # The first preferred channel is picked already: one tap on the outcome.
    assert re.search(r'value="text"[^>]*checked', body)
    response = client.post(
        reverse("coaching:outreach_attempt", args=[client_user.pk]),
        {"channel": "text", "outcome": "left_message"},
    )
    assert response.status_code == 302 and response["Location"] == url
    logged = OutreachAttempt.objects.get()
    assert (logged.coach, logged.channel, logged.outcome) == (coach, "text", "left_message")
    body = client.get(url).content.decode()
    assert "Logged: Text, left a message." in body
    assert "Never reached, 1 attempt since." in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"channel": "pigeon", "outcome": "reached"}, "Choose how you tried to reach them."),
        ({"channel": "phone", "outcome": "maybe"}, "Choose what happened."),
        ({}, "Choose how you tried to reach them."),
    ],
)
def test_a_bad_attempt_is_answered_on_the_form(client, coach, client_user, data, message):
    sign_in(client, coach)
    response = client.post(reverse("coaching:outreach_attempt", args=[client_user.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OutreachAttempt.objects.exists()


@pytest.mark.django_db
def test_bad_preferences_are_answered_on_the_form(client, coach, client_user):
    sign_in(client, coach)
    response = client.post(
        reverse("coaching:contact_preferences", args=[client_user.pk]),
        {"preferred_channels": ["fax"]},
    )
    assert response.status_code == 400
    assert "Choose channels from the list." in response.content.decode()
    assert not ContactPreferences.objects.exists()


@pytest.mark.django_db
def test_the_outreach_page_costs_the_same_queries_for_one_attempt_or_fifty(
    client, coach, client_user, supervisor
):
    contact_preferences_set(
        actor=coach,
        client=client_user,
        preferred_channels=["phone"],
        ok_to_text=True,
        ok_to_voicemail=True,
        ok_to_email=False,
    )
    attempt(coach, client_user, "reached", days_ago=20)
    url = reverse("coaching:outreach", args=[client_user.pk])
    counts = {}
    for person in (coach, supervisor):
        sign_in(client, person)
        client.get(url)
        counts[person.pk] = count_queries(client.get, url)[0]
        assert counts[person.pk] <= 10
    for number in range(49):
        attempt(coach, client_user, "no_answer", days_ago=number % 19)
    for person in (coach, supervisor):
        sign_in(client, person)
        client.get(url)
        many, response = count_queries(client.get, url)
        assert many == counts[person.pk]
    body = response.content.decode()
    assert "Last reached 20 days ago" in body and "49 attempts since" in body
    assert "No successful contact for 14+ days." in body
    assert body.count('<li class="card"><p>') == 20  # OUTREACH_ATTEMPTS_SHOWN
