"""views/teams.py: a supervisor's team page."""

import pytest
from django.urls import reverse

from tests.helpers import sign_in


@pytest.mark.django_db
def test_a_supervisor_sees_their_teams_coaches_and_caseloads(
    client, supervisor, coach, client_user, other_coach
):
    sign_in(client, supervisor)
    response = client.get(reverse("accounts:team"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"My team: {supervisor.team.name}" in page
    assert coach.display_name in page and other_coach.display_name not in page
    assert list(response.context["coaches"]) == [coach]
    assert response.context["coaches"][0].active_clients == 1


@pytest.mark.django_db
def test_a_coach_cannot_open_the_team_page(client, coach):
    sign_in(client, coach)
    assert client.get(reverse("accounts:team")).status_code == 403
