"""Writes of caseload review: reassigning a client, exporting the report.
Each runs in a transaction (where it writes) and is audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, Role, User
from coaching.selectors.report import team_report
from sessions_log.services.sessions import sessions_hand_over


@transaction.atomic
def client_reassign(
    *, actor: User, client: User, new_coach: User, reason: str, cancel_upcoming: bool
) -> CaseloadAssignment:
    """Move a client to another coach of the supervisor's team.

    The old relationship ends (kept, with the reason); a new one starts, so
    trust is tracked afresh. Upcoming sessions move to the new coach or are
    cancelled with notice, as the supervisor chooses; reminders follow."""
    if actor.role != Role.SUPERVISOR or not actor.team_id:
        raise PermissionDenied
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why the client moves to another coach."})
    current = (
        CaseloadAssignment.objects.select_for_update()
        .select_related("coach")
        .filter(client=client, ended_at__isnull=True, coach__team_id=actor.team_id)
        .first()
    )
    if current is None:
        raise PermissionDenied
    if new_coach.pk == current.coach_id:
        raise ValidationError({"new_coach": "This client already works with that coach."})
    if (
        new_coach.role != Role.COACH
        or new_coach.team_id != actor.team_id
        or not new_coach.is_active
    ):
        raise ValidationError({"new_coach": "Choose a coach of your own team."})
    now = timezone.now()
    CaseloadAssignment.objects.filter(pk=current.pk).update(ended_at=now, end_reason=reason[:200])
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
    export is audited."""
    rows = team_report(actor, start, end)
    audit_record(actor=actor, action="report.export", obj=actor)
    return rows
