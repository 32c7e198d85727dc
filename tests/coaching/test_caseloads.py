"""The writes of caseload review (coaching/services/caseloads.py): who may
reassign is in tests/accounts/test_policy_relationships.py; here, what a
reassignment refuses and what an export records."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.services.caseloads import client_reassign, report_export
from tests.conftest import make_user
from tests.helpers import _requested, _submit


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reassignment_needs_a_reason_and_changes_nothing(
    coach, client_user, supervisor, team, reason
):
    morgan = make_user("morgan@example.org", Role.COACH, team=team)
    with pytest.raises(ValidationError, match="Say why"):
        client_reassign(
            actor=supervisor,
            client=client_user,
            new_coach=morgan,
            reason=reason,
            cancel_upcoming=False,
        )
    assert CaseloadAssignment.objects.get(client=client_user).ended_at is None


@pytest.mark.django_db
def test_a_reassignment_goes_only_to_an_active_coach_of_the_team(
    coach, client_user, supervisor, team, other_coach
):
    retired = make_user("retired@example.org", Role.COACH, team=team)
    retired.is_active = False
    retired.save()
    for new_coach in (retired, other_coach, supervisor):
        with pytest.raises(ValidationError, match="Choose a coach of your own team"):
            client_reassign(
                actor=supervisor,
                client=client_user,
                new_coach=new_coach,
                reason="Fit",
                cancel_upcoming=False,
            )
    assert CaseloadAssignment.objects.get(client=client_user).coach == coach


@pytest.mark.django_db
def test_the_export_is_audited_once_and_for_each_client_it_includes(coach, client_user, supervisor):
    today = timezone.localdate()
    _submit(client_user, _requested(coach, client_user))
    rows = report_export(actor=supervisor, start=today, end=today)
    assert any(client_user.display_name in row for row in rows)
    # One event for the export, listing each client it includes as such.
    (event,) = AuditEvent.objects.filter(actor=supervisor, action="report.export")
    assert event.clients_shown() == [(client_user.pk, "report.included")]
