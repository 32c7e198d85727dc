"""views/manage.py: invitations and teams, for admins."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Team
from tests.helpers import sign_in


@pytest.mark.django_db
def test_the_manage_page_lists_each_teams_supervisors_and_coaches_apart(
    client, admin_user, supervisor, coach
):
    sign_in(client, admin_user)
    response = client.get(reverse("accounts:manage"))
    assert response.status_code == 200
    (team,) = [team for team in response.context["teams"] if team.pk == coach.team_id]
    assert (team.supervisors, team.coaches) == ([supervisor], [coach])
    assert response.context["permissions"].can_create_teams


@pytest.mark.django_db
def test_a_team_is_created_from_the_manage_page(client, admin_user, coach):
    sign_in(client, admin_user)
    response = client.post(reverse("accounts:team_create"), {"name": "East"})
    assert response.status_code == 302 and Team.objects.filter(name="East").exists()
    assert AuditEvent.objects.filter(actor=admin_user, action="team.create").exists()
    sign_in(client, coach)
    assert client.post(reverse("accounts:team_create"), {"name": "West"}).status_code == 403
    assert not Team.objects.filter(name="West").exists()
