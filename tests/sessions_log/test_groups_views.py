"""The group session pages: scheduling from the agenda, the group page
where the coach closes it client by client, the ladder of who may open
them, fixed query counts, and a client's own pages, calendar feed and
reminder emails that never name the other members."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from sessions_log.models import Reminder, Session, SessionGroup
from sessions_log.services.calendar import calendar_feed_renew
from tests.conftest import make_user
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in, sweep_and_send, text_body
from tests.sessions_log import test_groups
from tests.sessions_log.test_groups import a_group, hq, moved_to_the_past

# The cast's second and third clients of the coach.
kai, sky = test_groups.kai, test_groups.sky


def _form(clients, **extra):
    day = timezone.localdate() + timedelta(days=1)
    return {
        "clients": [c.pk for c in clients],
        "date": day.isoformat(),
        "time": "10:00",
        "duration": 60,
        "modality": "in_person",
        "place_type": "community",
        "service_code": hq().pk,
        **extra,
    }


@pytest.mark.django_db
def test_a_coach_schedules_a_group_from_the_agenda(client, coach, client_user, kai):
    sign_in(client, coach)
    agenda = client.get(reverse("sessions_log:agenda")).content.decode()
    assert reverse("sessions_log:group_new") in agenda
    response = client.post(reverse("sessions_log:group_new"), _form([client_user, kai]))
    group = SessionGroup.objects.get()
    assert response["Location"] == reverse("sessions_log:group_detail", args=[group.pk])
    assert set(Session.objects.filter(session_group=group).values_list("client", flat=True)) == {
        client_user.pk,
        kai.pk,
    }
    agenda = client.get(reverse("sessions_log:agenda")).content.decode()
    assert agenda.count(reverse("sessions_log:group_detail", args=[group.pk])) == 2


@pytest.mark.django_db
def test_the_group_form_offers_only_group_codes_and_own_clients(
    client, coach, client_user, other_client
):
    sign_in(client, coach)
    page = client.get(reverse("sessions_log:group_new")).content.decode()
    assert "H0038-HQ" in page and ">H0038<" not in page
    assert client_user.display_name in page and other_client.display_name not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("other", "Choose only your own clients."),
        ("one", "Choose at least 2 clients"),
        ("code", "Choose a group service code from the list."),
        ("past", "Choose a time in the future."),
        ("minutes", "A session lasts at least 5 minutes."),
    ],
)
def test_bad_group_input_is_refused_with_a_message_and_nothing_saved(
    client, coach, client_user, kai, other_client, change, message
):
    sign_in(client, coach)
    data = {
        "other": _form([client_user, other_client]),
        "one": _form([client_user]),
        "code": _form([client_user, kai], service_code="999999"),
        "past": _form([client_user, kai], date="2020-01-01"),
        "minutes": _form([client_user, kai], duration="0"),
    }[change]
    response = client.post(reverse("sessions_log:group_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Session.objects.exists() and not SessionGroup.objects.exists()


@pytest.mark.django_db
def test_the_group_page_walks_the_ladder(client, coach, supervisor, client_user, kai, other_coach):
    group = a_group(coach, [client_user, kai])
    url = reverse("sessions_log:group_detail", args=[group.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    sign_in(client, other_coach)
    assert client.get(url).status_code == 404
    assert client.post(reverse("sessions_log:group_close", args=[group.pk])).status_code == 404
    sign_in(client, supervisor)
    assert client.get(url).status_code == 403
    sign_in(client, client_user)
    assert client.get(url).status_code == 403
    sign_in(client, coach)
    page = client.get(url).content.decode()
    assert client_user.display_name in page and kai.display_name in page


@pytest.mark.django_db
def test_the_group_page_uses_a_fixed_number_of_queries(client, coach, client_user, kai):
    many = [client_user, kai]
    for number in range(10):
        person = make_user(f"member{number}@example.org", Role.CLIENT, name=f"Member {number}")
        CaseloadAssignment.objects.create(coach=coach, client=person)
        many.append(person)
    small = a_group(coach, [client_user, kai])
    large = a_group(coach, many, starts_at=timezone.now() + timedelta(days=2))
    moved_to_the_past(small), moved_to_the_past(large, hours=6)
    sign_in(client, coach)
    client.get(reverse("sessions_log:group_detail", args=[small.pk]))
    few, _ = count_queries(client.get, reverse("sessions_log:group_detail", args=[small.pk]))
    lots, response = count_queries(
        client.get, reverse("sessions_log:group_detail", args=[large.pk])
    )
    assert response.content.decode().count('type="radio"') == 2 * 12
    assert few == lots <= PAGE_STATEMENTS


def _close_data(group, start, outcomes):
    rows = {row.client_id: row.pk for row in Session.objects.filter(session_group=group)}
    local = timezone.localtime(start)
    data = {"date": local.date().isoformat(), "time": local.strftime("%H:%M")}
    for person, (status, minutes) in outcomes.items():
        data[f"status_{rows[person.pk]}"] = status
        data[f"minutes_{rows[person.pk]}"] = "" if minutes is None else str(minutes)
    return data


@pytest.mark.django_db
def test_the_coach_closes_the_group_client_by_client(client, coach, client_user, kai, sky):
    group = a_group(coach, [client_user, kai, sky])
    start = moved_to_the_past(group)
    sign_in(client, coach)
    url = reverse("sessions_log:group_close", args=[group.pk])
    data = _close_data(
        group, start, {client_user: ("completed", 50), kai: ("completed", 30), sky: ("no_show", 5)}
    )
    response = client.post(url, data)
    assert response["Location"] == reverse("sessions_log:group_detail", args=[group.pk])
    rows = {row.client: row for row in Session.objects.filter(session_group=group)}
    assert [(rows[p].status, rows[p].minutes_spent) for p in (client_user, kai, sky)] == [
        ("completed", 50),
        ("completed", 30),
        ("no_show", None),
    ]
    page = client.get(response["Location"]).content.decode()
    # Each member's own note (a no-show's too, as for a one-to-one session).
    assert page.count("write the note") == 3
    assert "How did it go?" not in page  # nothing left to close


@pytest.mark.django_db
def test_a_refused_close_shows_why_and_closes_no_one(client, coach, client_user, kai):
    group = a_group(coach, [client_user, kai])
    start = moved_to_the_past(group)
    sign_in(client, coach)
    data = _close_data(group, start, {client_user: ("completed", 50), kai: ("completed", None)})
    response = client.post(reverse("sessions_log:group_close", args=[group.pk]), data)
    assert response.status_code == 400
    assert "Enter the minutes Kai Nakamura actually spent." in response.content.decode()
    data = _close_data(group, start, {client_user: ("completed", 50), kai: ("completed", 600)})
    response = client.post(reverse("sessions_log:group_close", args=[group.pk]), data)
    assert response.status_code == 400
    assert "at most 8 hours" in response.content.decode()
    assert set(Session.objects.filter(session_group=group).values_list("status", flat=True)) == {
        "scheduled"
    }


@pytest.mark.django_db
def test_a_client_never_sees_the_other_members(
    client, coach, client_user, kai, own_smtp_connection, mailbox
):
    """Privacy: the client's home page, their session's calendar file, their
    private feed and their reminder email name their coach, never the other
    clients of the group."""
    group = a_group(coach, [client_user, kai])
    row = Session.objects.get(session_group=group, client=client_user)
    sign_in(client, client_user)
    seen = [
        client.get(reverse("coaching:client_home")).content.decode(),
        client.get(reverse("sessions_log:session_ics", args=[row.pk])).content.decode(),
        client.get(
            reverse("sessions_log:feed", args=[calendar_feed_renew(actor=client_user)])
        ).content.decode(),
    ]
    reminder = Reminder.objects.filter(session=row, recipient=client_user).first()
    assert sweep_and_send(reminder) == "sent"
    seen.append(text_body(mailbox[-1]))
    assert "Room 2" in seen[0]  # the client's own session is there
    for text in seen:
        assert "Kai" not in text and "Nakamura" not in text
