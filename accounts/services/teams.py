"""Teams: an admin creates one. Audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import Team, User
from accounts.policy.pages import creates_teams


@transaction.atomic
def team_create(*, actor: User, name: str) -> Team:
    if not creates_teams(actor):
        raise PermissionDenied
    name = " ".join(name.split())
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A team with this name already exists."})
    team = Team.objects.create(name=name)
    audit_record(actor=actor, action="team.create", obj=team)
    return team
