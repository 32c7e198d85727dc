"""The audit trail: reads are recorded, admins see everything, supervisors
their team, and each client sees who looked at their record."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent
from tests.conftest import make_user
from tests.helpers import count_queries, sign_in


@pytest.mark.django_db
def test_opening_a_clients_record_is_audited(client, coach, supervisor, client_user):
    for viewer, url in (
        (coach, reverse("coaching:client_timeline", args=[client_user.pk])),
        (supervisor, reverse("coaching:client_history", args=[client_user.pk])),
    ):
        sign_in(client, viewer)
        assert client.get(url).status_code == 200
        event = AuditEvent.objects.filter(action="client.view", actor=viewer).get()
        assert event.client == client_user and event.request_id and event.ip == "127.0.0.1"


@pytest.mark.django_db
def test_a_client_sees_which_staff_looked_at_their_record(
    client, coach, supervisor, client_user, other_client, other_coach
):
    sign_in(client, coach)
    client.get(reverse("coaching:client_timeline", args=[client_user.pk]))
    sign_in(client, other_coach)
    client.get(reverse("coaching:client_timeline", args=[other_client.pk]))
    sign_in(client, client_user)
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert "Casey Rivera" in page and "(coach)" in page and "Looked at your record" in page
    assert "Jordan Lee" not in page  # someone else's record
    assert "auth.login" not in page  # their own sign-ins are not staff views


@pytest.mark.django_db
def test_admins_see_every_event_and_supervisors_only_their_team(
    client, admin_user, supervisor, coach, client_user, other_coach, other_client
):
    audit_record(actor=coach, action="client.view", obj=client_user)
    audit_record(actor=other_coach, action="client.view", obj=other_client)
    url = reverse("accounts:audit_log")
    sign_in(client, admin_user)
    page = client.get(url).content.decode()
    assert "Robin Park" in page and "Riley Chen" in page
    sign_in(client, supervisor)
    page = client.get(url).content.decode()
    assert "Robin Park" in page and "Riley Chen" not in page and "Jordan Lee" not in page


@pytest.mark.django_db
def test_the_audit_trail_filters_by_person_client_and_date(
    client, admin_user, coach, client_user, other_client, other_coach
):
    audit_record(actor=coach, action="client.view", obj=client_user)
    audit_record(actor=other_coach, action="client.view", obj=other_client)
    sign_in(client, admin_user)
    url = reverse("accounts:audit_log")
    page = client.get(url, {"person": coach.email}).content.decode()
    assert "Robin Park" in page and "Riley Chen" not in page
    page = client.get(url, {"client": other_client.email}).content.decode()
    assert "Riley Chen" in page and "Robin Park" not in page
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = client.get(url, {"start": tomorrow}).content.decode()
    assert "No events." in page
    bad = client.get(url, {"start": tomorrow, "end": timezone.localdate()})
    assert bad.status_code == 400 and "must not be before" in bad.content.decode()


@pytest.mark.django_db
def test_the_audit_trail_uses_a_fixed_number_of_queries(client, admin_user, coach):
    sign_in(client, admin_user)
    url = reverse("accounts:audit_log")
    client.get(url)
    few, _ = count_queries(client.get, url)
    for index in range(60):
        person = make_user(f"p{index}@example.org", "client")
        audit_record(actor=coach, action="client.view", obj=person)
    many, _ = count_queries(client.get, url)
    assert few == many


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["client_user", "coach"])
def test_clients_and_coaches_cannot_read_the_audit_trail(client, request, who):
    sign_in(client, request.getfixturevalue(who))
    assert client.get(reverse("accounts:audit_log")).status_code == 403
