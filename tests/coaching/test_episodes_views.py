"""The episodes page: the permission ladder, intake and discharge through
the forms, bad input answered on the form (400) with nothing changed, the
client's own page in plain words, reads audited, and a query count that does
not grow with the history."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from coaching.models import Episode
from coaching.services.episodes import episode_discharge, episode_open
from sessions_log.services.sessions import session_schedule
from tests.coaching.test_episodes import admit, source, today
from tests.helpers import count_queries, past_contact, sign_in


def _episodes():
    return list(Episode.objects.values())


@pytest.mark.django_db
def test_the_episodes_page_walks_the_permission_ladder(
    client, coach, client_user, supervisor, other_coach, other_client, admin_user
):
    admit(coach, client_user)
    url = reverse("coaching:episodes", args=[client_user.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for outsider in (other_coach, other_client):
        sign_in(client, outsider)
        assert client.get(url).status_code == 404, outsider.email
    sign_in(client, admin_user)
    assert client.get(url).status_code == 403
    for reader in (coach, supervisor, client_user):
        sign_in(client, reader)
        assert client.get(url).status_code == 200, reader.email
    assert AuditEvent.objects.filter(action="episode.view", client=client_user).count() == 3
    # A former coach sees nothing once the client has moved on.
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    sign_in(client, coach)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_coach_admits_and_a_supervisor_discharges_through_the_forms(
    client, coach, client_user, supervisor
):
    sign_in(client, coach)
    page = reverse("coaching:episodes", args=[client_user.pk])
    assert "Start the episode" in client.get(page).content.decode()
    response = client.post(
        reverse("coaching:episode_open", args=[client_user.pk]),
        {"intake_date": (today() - timedelta(days=9)).isoformat(), "referral_source": source().pk},
    )
    assert response.status_code == 302 and response["Location"] == page
    assert Episode.objects.get().is_open
    # The client reads, never admits or discharges.
    sign_in(client, client_user)
    for name in ("coaching:episode_open", "coaching:episode_discharge"):
        assert client.post(reverse(name, args=[client_user.pk])).status_code == 403
    # A supervisor may discharge, not admit.
    sign_in(client, supervisor)
    body = client.get(page).content.decode()
    assert "Discharge" in body and "Start the episode" not in body
    assert client.post(reverse("coaching:episode_open", args=[client_user.pk])).status_code == 403
    response = client.post(
        reverse("coaching:episode_discharge", args=[client_user.pk]),
        {"discharge_date": today().isoformat(), "reason": "goals_met", "summary": "Housed."},
    )
    assert response.status_code == 302
    episode = Episode.objects.get()
    assert (episode.discharge_reason, episode.discharge_summary) == ("goals_met", "Housed.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"discharge_date": "yesterday-of-intake", "reason": "moved"}, "before the intake"),
        ({"discharge_date": "today", "reason": "bored"}, "Choose a reason from the list."),
        ({"discharge_date": "not a date", "reason": "moved"}, "Enter a date."),
        ({"discharge_date": "today", "reason": "moved"}, "still scheduled after this day"),
    ],
)
def test_a_bad_discharge_is_answered_on_the_form(client, coach, client_user, data, message):
    episode = admit(coach, client_user, days_ago=10)
    session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(hours=1),
        modality="phone",
    )
    dates = {
        "yesterday-of-intake": (episode.intake_date - timedelta(days=1)).isoformat(),
        "today": today().isoformat(),
    }
    data = {**data, "discharge_date": dates.get(data["discharge_date"], data["discharge_date"])}
    sign_in(client, coach)
    before = _episodes()
    response = client.post(reverse("coaching:episode_discharge", args=[client_user.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _episodes() == before


@pytest.mark.django_db
def test_a_second_intake_or_a_bad_source_is_answered_on_the_form(client, coach, client_user):
    sign_in(client, coach)
    url = reverse("coaching:episode_open", args=[client_user.pk])
    response = client.post(url, {"intake_date": today().isoformat(), "referral_source": "999"})
    assert response.status_code == 400
    assert "Choose where they came from from the list." in response.content.decode()
    admit(coach, client_user)
    before = _episodes()
    # The form is gone while an episode is open; a stale one is refused.
    response = client.post(
        url, {"intake_date": today().isoformat(), "referral_source": source().pk}
    )
    assert response.status_code == 400
    assert "already has an open episode" in response.content.decode()
    assert _episodes() == before


@pytest.mark.django_db
def test_the_client_reads_their_own_episodes_in_plain_words(client, coach, client_user):
    episode_open(
        actor=coach,
        client=client_user,
        intake_date=today() - timedelta(days=100),
        referral_source=source("Family or friend"),
    )
    episode_discharge(
        actor=coach,
        client=client_user,
        discharge_date=today() - timedelta(days=60),
        reason="moved",
        summary="Found a group near the new place.",
    )
    admit(coach, client_user, days_ago=5)
    sign_in(client, client_user)
    response = client.get(reverse("coaching:my_episodes"))
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "and this is still going" in body
    assert "It ended because: moved away." in body
    assert "You came to us through: family or friend." in body
    assert "Found a group near the new place." in body
    assert "Discharge</button>" not in body and "Start the episode" not in body


@pytest.mark.django_db
def test_the_episodes_page_costs_the_same_queries_for_one_episode_or_fifty(
    client, coach, client_user, supervisor
):
    def episode(start_days_ago, end_days_ago=None):
        made = Episode.objects.create(
            client=client_user,
            intake_date=today() - timedelta(days=start_days_ago),
            referral_source=source(),
            opened_by=coach,
        )
        if end_days_ago is not None:
            Episode.objects.filter(pk=made.pk).update(
                discharge_date=today() - timedelta(days=end_days_ago), discharge_reason="other"
            )

    episode(5)
    past_contact(coach, client_user, timedelta(days=2))
    url = reverse("coaching:episodes", args=[client_user.pk])
    for person in (coach, supervisor, client_user):
        sign_in(client, person)
        client.get(url)
        few = count_queries(client.get, url)[0]
        assert few <= 10, person.email
        person.few = few
    Episode.objects.all().delete()
    for number in range(49):
        episode(1000 - 10 * number, 1000 - 10 * number - 5)
    episode(5)
    for number in range(30):
        past_contact(coach, client_user, timedelta(days=400 + number))
    for person in (coach, supervisor, client_user):
        sign_in(client, person)
        client.get(url)
        many, response = count_queries(client.get, url)
        assert many == person.few, person.email
    assert response.content.decode().count('<li class="card" id="episode-') == 50
