"""The pages of requests about a record: a supervisor's open requests with
days left (red at 5 or fewer, and overdue: HIPAA 45 CFR 164.524(b)(2),
164.526(b)(2), 30 days), a client's requests with the form to log one, and
one request with the form to decide it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from coaching.models import RecordRequest
from coaching.services.record_requests import record_request_log
from tests.helpers import count_queries, sign_in, signed_contact


def _access(actor, client, days_ago):
    return record_request_log(
        actor=actor,
        client=client,
        kind="access",
        received_on=timezone.localdate() - timedelta(days=days_ago),
        asked=f"A copy, asked {days_ago} days ago",
    )


@pytest.mark.django_db
def test_the_supervisor_sees_open_requests_with_days_left_and_overdue_in_red(
    client, coach, supervisor, client_user, other_coach, other_client
):
    fresh = _access(coach, client_user, days_ago=1)
    soon = _access(coach, client_user, days_ago=26)
    late = _access(coach, client_user, days_ago=33)
    _access(other_coach, other_client, days_ago=2)
    sign_in(client, supervisor)
    page = client.get(reverse("coaching:record_requests")).content.decode()
    assert "29 days left" in page and "4 days left" in page and "Overdue by 3 days" in page
    assert f'class="card" id="record-request-{fresh.pk}"' in page
    assert f'class="card flag-open" id="record-request-{soon.pk}"' in page
    assert f'class="card flag-open" id="record-request-{late.pk}"' in page
    assert "Riley Chen" not in page
    assert AuditEvent.objects.filter(action="record_requests.list", client=client_user).exists()
    # The menu links it.
    assert reverse("coaching:record_requests") in page


@pytest.mark.django_db
def test_the_open_list_costs_the_same_queries_whatever_its_size(
    client, coach, supervisor, client_user
):
    sign_in(client, supervisor)
    _access(coach, client_user, days_ago=1)
    client.get(reverse("coaching:record_requests"))
    few = count_queries(client.get, reverse("coaching:record_requests"))[0]
    for days in range(2, 12):
        _access(coach, client_user, days_ago=days)
    many = count_queries(client.get, reverse("coaching:record_requests"))[0]
    assert few == many and many <= 10


@pytest.mark.django_db
def test_staff_log_a_request_and_bad_input_changes_nothing(client, coach, client_user):
    sign_in(client, coach)
    url = reverse("coaching:client_record_requests", args=[client_user.pk])
    bad = client.post(url, {"kind": "access", "received_on": "2999-01-01", "asked": "A copy"})
    assert bad.status_code == 400 and "cannot be in the future" in bad.content.decode()
    bad = client.post(url, {"kind": "amendment", "received_on": "2026-01-01", "asked": "x"})
    assert bad.status_code == 400 and "Choose the signed note" in bad.content.decode()
    assert not RecordRequest.objects.exists()
    day = timezone.localdate() - timedelta(days=2)
    response = client.post(
        url, {"kind": "access", "received_on": day.isoformat(), "asked": "A copy"}
    )
    assert response.status_code == 302
    request = RecordRequest.objects.get()
    assert request.due_on == day + timedelta(days=30) and request.logged_by == coach
    timeline = client.get(reverse("coaching:client_timeline", args=[client_user.pk]))
    assert url in timeline.content.decode()


@pytest.mark.django_db
def test_a_request_of_another_teams_client_is_a_404(client, coach, other_coach, other_client):
    request = _access(other_coach, other_client, days_ago=1)
    sign_in(client, coach)
    assert client.get(reverse("coaching:record_request", args=[request.pk])).status_code == 404
    url = reverse("coaching:client_record_requests", args=[other_client.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": "access"}).status_code == 404


@pytest.mark.django_db
def test_the_coach_accepts_an_amendment_on_the_page(client, coach, client_user):
    _, note = signed_contact(coach, client_user)
    request = record_request_log(
        actor=coach,
        client=client_user,
        kind="amendment",
        received_on=timezone.localdate(),
        asked="Add that I attended",
        note=note,
    )
    sign_in(client, coach)
    url = reverse("coaching:record_request", args=[request.pk])
    page = client.get(url).content.decode()
    assert "Accepting adds the amendment to your note" in page
    bad = client.post(url, {"decision": "accepted"})
    assert bad.status_code == 400 and "Write the amendment" in bad.content.decode()
    response = client.post(url, {"decision": "accepted", "amendment": "I attended."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.decision == "accepted" and note.addenda.get().text.endswith("I attended.")
    again = client.post(url, {"decision": "denied", "denial_reason": "no"})
    assert again.status_code == 302
    request.refresh_from_db()
    assert request.decision == "accepted"
