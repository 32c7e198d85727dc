"""Writes of caseload review: reassigning a client, exporting the report.
Each runs in a transaction (where it writes) and is audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_event, audit_record
from accounts.models import CaseloadAssignment, User
from coaching.selectors.caseloads import reassign_coaches, relationship_for_change
from coaching.selectors.report import team_report_and_clients
from coaching.services.figures import relationship_figures_end
from coaching.services.trust import checkin_requests_close
from sessions_log.services.sessions import sessions_hand_over


@transaction.atomic
def client_reassign(
    *, actor: User, client: User, new_coach: User, reason: str, cancel_upcoming: bool
) -> CaseloadAssignment:
    """Move a client to another coach of the supervisor's team.

    The old relationship ends (kept, with the reason); a new one starts, so
    trust is tracked afresh. Upcoming sessions move to the new coach or are
    cancelled with notice, as the supervisor chooses; reminders follow.
    Who may: reassigner_scope (PermissionDenied for anyone else)."""
    reason = " ".join(reason.split())
    # The acting scope first: someone else learns nothing from the checks below.
    current = relationship_for_change(actor, client.pk)
    if not reason:
        raise ValidationError({"reason": "Say why the client moves to another coach."})
    if new_coach.pk == current.coach_id:
        raise ValidationError({"new_coach": "This client already works with that coach."})
    if not reassign_coaches(actor).filter(pk=new_coach.pk).exists():
        raise ValidationError({"new_coach": "Choose a coach of your own team."})
    now = timezone.now()
    CaseloadAssignment.objects.filter(pk=current.pk).update(ended_at=now, end_reason=reason[:200])
    relationship_figures_end(assignment_id=current.pk)
    checkin_requests_close(assignment=current)
    assignment = CaseloadAssignment.objects.create(
        coach=new_coach, client=client, started_at=now, created_by=actor
    )
    sessions_hand_over(
        actor=actor,
        client=client,
        from_coach=current.coach,
        to_coach=new_coach,
        cancel=cancel_upcoming,
        reason=f"Coach changed: {reason}",
    )
    audit_record(actor=actor, action="assignment.reassign", obj=assignment, client=client)
    return assignment


def report_export(*, actor: User, start, end) -> list[list]:
    """The team's caseload report for [start, end], as CSV rows. Every
    export is audited: one event for the export, and one for each client it
    includes, so that they see it on their "Who viewed my record" page."""
    rows, included = team_report_and_clients(actor, start, end)
    audit_clients_shown(
        actor=actor,
        shown=[("report.included", included)],
        also=[audit_event(actor=actor, action="report.export", obj=actor)],
    )
    return rows
