"""services/teams.py: only an admin creates a team, audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent, Team
from accounts.services.teams import team_create


@pytest.mark.django_db
def test_only_an_admin_creates_a_team_and_it_is_audited(admin_user, coach, supervisor, team):
    for outsider in (coach, supervisor):
        with pytest.raises(PermissionDenied):
            team_create(actor=outsider, name="East")
    assert not Team.objects.filter(name="East").exists()
    created = team_create(actor=admin_user, name="  East   Side ")
    assert created.name == "East Side"
    assert AuditEvent.objects.filter(actor=admin_user, action="team.create").count() == 1
    with pytest.raises(ValidationError, match="already exists"):
        team_create(actor=admin_user, name="east side")
