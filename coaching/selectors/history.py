"""A client's whole history, for caseload review: the supervisor's timeline
of everything that happened in their coaching (the relationships the
reviewer's team held), and the client read for it."""

from django.db.models import Exists, OuterRef
from django.http import Http404

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy.relationships import supervises
from coaching.models import CheckIn, TrustFlag
from coaching.selectors.caseloads import (
    CaseloadPermissions,
    clients_reviewable_by,
    relationships_reviewable_by,
)
from coaching.selectors.caseloads import permissions_for as caseload_permissions_for
from coaching.selectors.trust import supervisor_requests_visible_to
from common import sms
from sessions_log.models import Addendum, Note, NoteReview, Session, TextNumber


def reviewed_client_for_viewing(user: User, pk: int) -> User:
    """A client whose history `user` reviews; reading it is audited.
    `gets_texts`: whether their reminders go by text now (never the
    number), read in the same query."""
    texting = TextNumber.objects.filter(
        user=OuterRef("pk"),
        verified_at__isnull=False,
        stopped_at__isnull=True,
        failed_at__isnull=True,
    )
    client = clients_reviewable_by(user).filter(pk=pk).annotate(gets_texts=Exists(texting)).first()
    if client is None:
        raise Http404
    client.gets_texts = client.gets_texts and sms.enabled()
    audit_record(actor=user, action="client.view", obj=client, client=client)
    return client


def client_history(user: User, client: User) -> list[dict]:
    """Everything that happened in a client's coaching, newest first: the
    supervisor's timeline. Note text stays on the session page (where reading
    it is audited); only supervisors see comments, resolution notes and
    private requests.

    Only the relationships the user reviews (a supervisor: those their team
    held): never the client's time with a coach of another team."""
    supervisor = supervises(user)
    events = []

    def add(at, kind, text, **extra):
        events.append({"at": at, "kind": kind, "text": text, **extra})

    held = list(relationships_reviewable_by(user).filter(client=client).select_related("coach"))
    coaches = {assignment.coach_id for assignment in held}
    relationships = [assignment.pk for assignment in held]
    for assignment in held:
        add(assignment.started_at, "assignment", f"Started with {assignment.coach.display_name}")
        if assignment.ended_at:
            reason = f": {assignment.end_reason}" if assignment.end_reason else ""
            add(
                assignment.ended_at,
                "assignment",
                f"Ended with {assignment.coach.display_name}{reason}",
            )
    for session in Session.objects.filter(client=client, coach__in=coaches).select_related("coach"):
        add(
            session.starts_at,
            "session",
            f"{session.get_modality_display()} session with {session.coach.display_name}: "
            f"{session.get_status_display().lower()}",
            session=session,
        )
    notes = Note.objects.filter(
        session__client=client, session__coach__in=coaches, signed_at__isnull=False
    )
    for note in notes.select_related("author").only("pk", "session_id", "signed_at", "author"):
        add(
            note.signed_at,
            "note",
            f"Note signed by {note.author.display_name}",
            session_id=note.session_id,
        )
    for review in NoteReview.objects.filter(
        note__session__client=client, note__session__coach__in=coaches
    ).select_related("reviewer", "note"):
        add(
            review.at,
            "note",
            f"Note {review.get_decision_display().lower()} by {review.reviewer.display_name}",
            session_id=review.note.session_id,
        )
    for addendum in (
        Addendum.objects.filter(note__session__client=client, note__session__coach__in=coaches)
        .select_related("author", "note")
        .only("pk", "signed_at", "author", "note__session_id")
    ):
        add(
            addendum.signed_at,
            "note",
            f"Addendum by {addendum.author.display_name}",
            session_id=addendum.note.session_id,
        )
    checkins = CheckIn.objects.filter(client=client, assignment__in=relationships)
    for checkin in checkins.select_related("coach"):
        add(
            checkin.created_at,
            "checkin",
            f"Check-in about {checkin.coach.display_name}: score {checkin.score}",
            comment=checkin.comment if supervisor else "",
        )
    flags = TrustFlag.objects.filter(client=client, assignment__in=relationships).select_related(
        "acknowledged_by", "resolved_by"
    )
    for flag in flags:
        add(
            flag.raised_at,
            "flag",
            f"Flag raised: {flag.get_rule_display()} ({flag.detail})",
            flag=flag,
        )
        if flag.acknowledged_at:
            add(
                flag.acknowledged_at,
                "flag",
                f"Flag acknowledged by {flag.acknowledged_by.display_name}",
            )
        if flag.resolved_at:
            add(
                flag.resolved_at,
                "flag",
                f"Flag resolved by {flag.resolved_by.display_name}",
                comment=flag.resolution_note if supervisor else "",
            )
    if supervisor:
        for private in supervisor_requests_visible_to(user).filter(client=client):
            add(
                private.created_at,
                "private",
                "Asked privately to talk with a supervisor",
                comment=private.message,
            )
    events.sort(key=lambda event: event["at"], reverse=True)
    return events


def permissions_for(user: User, record=None) -> CaseloadPermissions:
    """What a client's history offers `user` (reassign, open their records):
    the caseload pages' flags."""
    return caseload_permissions_for(user, record)
