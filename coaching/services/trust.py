"""Writes about trust: check-in requests and answers, flags, private requests
to talk with a supervisor. Each runs in a transaction and is audited."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, Role, User
from coaching import scoring
from coaching.celery import app
from coaching.models import ITEM_NAMES, CheckIn, CheckInRequest, SupervisorRequest, TrustFlag
from coaching.selectors.trust import (
    checkin_allowed_after,
    checkin_relationship_for_change,
    checkin_request_for_change,
    flag_for_change,
    private_request_for_change,
    team_supervisors,
)
from coaching.services.trust_sql import checkin_write
from common import emails
from common.tokens import new_token, token_digest
from sessions_log.models import Session

# The refusals a client reads, in their language when they read them.
_ANSWERED = gettext_lazy("This check-in has already been answered. Thank you.")
_EXPIRED = gettext_lazy("This check-in has closed: they stay open for a week after the session.")
COACHING_CHANGED = gettext_lazy(
    "Your coaching has changed since this appointment, so this check-in has closed. "
    "Nothing was recorded."
)


def checkin_request_open(*, session: Session) -> CheckInRequest | None:
    """Ask the client of a completed session for a check-in, once. Called
    inside the transaction that completes it (coaching/receivers.py); the
    email goes through the reminder outbox. Nothing is asked about a session
    that ended more than CHECKIN_ASK_WITHIN_DAYS ago (a contact logged long
    after it happened): too late to say how it felt."""
    now = timezone.now()
    if session.ends_at < now - timedelta(days=settings.CHECKIN_ASK_WITHIN_DAYS):
        return None
    assignment = CaseloadAssignment.objects.filter(
        client_id=session.client_id, coach_id=session.coach_id, ended_at__isnull=True
    ).first()
    if assignment is None:
        return None  # the relationship has ended: nobody to tell how it feels
    request, _ = CheckInRequest.objects.get_or_create(
        session=session,
        defaults={
            "assignment": assignment,
            "client_id": session.client_id,
            "created_at": now,
            "expires_at": now + timedelta(days=settings.CHECKIN_VALID_DAYS),
        },
    )
    return request


def checkin_requests_close(*, assignment: CaseloadAssignment) -> int:
    """Close the open check-in requests of a relationship that has ended
    (inside the transaction that ends it): nobody is asked, or reminded,
    about a coaching that has changed, and they do not count as unanswered."""
    now = timezone.now()
    return CheckInRequest.objects.filter(
        assignment=assignment, checkin__isnull=True, expires_at__gt=now
    ).update(expires_at=now, expiry_counted_at=now)


def checkin_link_issue(*, session: Session) -> str | None:
    """A fresh single-use link token for the session's open check-in request,
    or None when there is nothing to answer. Only its digest is kept, so an
    email sent again carries a new link and the older one stops working."""
    token = new_token()
    updated = CheckInRequest.objects.filter(
        session=session, checkin__isnull=True, expires_at__gt=timezone.now()
    ).update(token_digest=token_digest(token))
    return token if updated else None


def _check_answers(answers: dict) -> list[int]:
    values = []
    for name in ITEM_NAMES:
        value = answers.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
            raise ValidationError({name: _("Choose a number from 0 to 10.")})
        values.append(value)
    return values


def flag_raise(*, assignment, rule, detail) -> TrustFlag | None:
    """Raise a flag of another rule than a check-in's (the outreach task's
    "no successful contact"): None when one of that rule is unresolved."""
    return _flag_raise(assignment, rule, detail)


def _flag_raise(assignment, rule, detail, checkin=None) -> TrustFlag | None:
    try:
        with transaction.atomic():
            flag = TrustFlag.objects.create(
                assignment=assignment,
                client_id=assignment.client_id,
                coach_id=assignment.coach_id,
                rule=rule,
                detail=detail,
                checkin=checkin,
            )
    except IntegrityError:
        return None  # one unresolved flag per rule: the trend shows the rest
    audit_record(actor=None, action="trust_flag.raise", obj=flag, client=flag.client)
    return flag


# The codes of the refusals of a second check-in between sessions within a
# week, of a request already answered or expired, and of one about a
# coaching that has changed since (the pages answer those 409 and 410).
TOO_SOON = "too_soon"
CLOSED = "closed"
CHANGED = "coaching_changed"


def _too_soon(allowed_at) -> ValidationError:
    day = dateformat.format(timezone.localtime(allowed_at), "l j F")
    return ValidationError(
        _("You checked in less than a week ago. You can check in again from %(day)s.")
        % {"day": day},
        code=TOO_SOON,
        params={"allowed_at": allowed_at},
    )


@transaction.atomic
def checkin_submit(
    *,
    client: User,
    answers: dict,
    comment: str = "",
    talk_to_supervisor: bool = False,
    message: str = "",
    request: CheckInRequest | None = None,
    session_id: int | None = None,
) -> CheckIn:
    """Record a check-in: for a requested one (`request`, or the request
    about `session_id`: a 404 when it is not the client's) or between
    sessions.

    Two statements: the relationship or request locked with what the
    check-in is judged against, then every write at once
    (coaching/services/trust_sql.py). The private request to talk with a
    supervisor is stored apart from the check-in, for the supervisors of
    the coach's team only."""
    values = _check_answers(answers)
    now = timezone.now()
    request_id = None
    if request is not None or session_id is not None:
        # Only its own client answers a request (PermissionDenied otherwise).
        request = checkin_request_for_change(
            client, request.pk if request is not None else None, session_id=session_id, before=now
        )
        if request.checkin_id is not None:
            raise ValidationError(_ANSWERED, code=CLOSED)
        if request.assignment.ended_at is not None:
            raise ValidationError(COACHING_CHANGED, code=CHANGED)
        if request.expires_at <= now:
            raise ValidationError(_EXPIRED, code=CLOSED)
        locked, assignment = request, request.assignment
        session_id, request_id = request.session_id, request.pk
    else:
        assignment = locked = checkin_relationship_for_change(client, before=now)
        if assignment is None:
            raise ValidationError(
                _("You do not have a coach right now, so there is nothing to rate.")
            )
        allowed_at = checkin_allowed_after(assignment.last_between)
        if allowed_at is not None:
            raise _too_soon(allowed_at)
    if talk_to_supervisor and locked.coach_team_id is None:
        raise ValidationError(
            {"talk_to_supervisor": _("Your coach has no supervisor yet. Please ask the office.")}
        )
    # No savepoint: a refused insert ends this whole transaction anyway.
    try:
        written = checkin_write(
            client=client,
            assignment_id=assignment.pk,
            coach_id=assignment.coach_id,
            values=values,
            comment=comment.strip(),
            now=now,
            session_id=session_id,
            request_id=request_id,
            team_id=locked.coach_team_id,
            message=message.strip() if talk_to_supervisor else None,
            flags=scoring.rules_broken(values, locked.newest_scores[::-1]),
        )
    except IntegrityError:
        raise ValidationError(_ANSWERED, code=CLOSED) from None
    if written.checkin is None:
        # Another check-in between sessions committed while we waited for the lock.
        raise _too_soon(checkin_allowed_after(written.last))
    if request is not None:
        request.checkin, request.token_digest = written.checkin, ""  # the link is spent
    if written.private_id is not None:
        # The team's supervisors hear of it at once (after commit, by a task).
        transaction.on_commit(partial(_supervisor_request_announce, written.private_id))
    return written.checkin


@transaction.atomic
def checkin_requests_expire() -> int:
    """Count newly expired, unanswered requests; raise the unanswered flag
    where the last TRUST_FLAG_UNANSWERED requests all went unanswered.
    Returns how many requests were counted."""
    now = timezone.now()
    expired = list(
        CheckInRequest.objects.select_for_update(skip_locked=True).filter(
            checkin__isnull=True, expires_at__lte=now, expiry_counted_at__isnull=True
        )
    )
    CheckInRequest.objects.filter(pk__in=[r.pk for r in expired]).update(expiry_counted_at=now)
    for assignment_id in {request.assignment_id for request in expired}:
        # Answered or expired, in the order they were asked.
        closed = (
            CheckInRequest.objects.filter(assignment_id=assignment_id)
            .filter(Q(checkin__isnull=False) | Q(expires_at__lte=now))
            .order_by("created_at", "pk")
        )
        answered = [
            checkin_id is not None for checkin_id in closed.values_list("checkin", flat=True)
        ]
        if scoring.unanswered_streak(answered):
            assignment = CaseloadAssignment.objects.get(pk=assignment_id)
            if assignment.ended_at is None:
                detail = f"The last {settings.TRUST_FLAG_UNANSWERED} check-ins were not answered"
                _flag_raise(assignment, TrustFlag.Rule.UNANSWERED, detail)
    return len(expired)


@transaction.atomic
def flag_acknowledge(*, actor: User, flag: TrustFlag) -> TrustFlag:
    flag = flag_for_change(actor, flag.pk)
    if flag.status != TrustFlag.Status.OPEN:
        raise ValidationError(f"This flag is already {flag.get_status_display().lower()}.")
    flag.status = TrustFlag.Status.ACKNOWLEDGED
    flag.acknowledged_by, flag.acknowledged_at = actor, timezone.now()
    flag.save()
    audit_record(actor=actor, action="trust_flag.acknowledge", obj=flag, client=flag.client)
    return flag


@transaction.atomic
def flag_resolve(*, actor: User, flag: TrustFlag, note: str) -> TrustFlag:
    """Only a supervisor resolves a flag: a coach may acknowledge one about
    their own relationship ("I saw it, I will talk with them"), not close it
    (flag_resolver_scope)."""
    flag = flag_for_change(actor, flag.pk, resolve=True)
    if flag.status == TrustFlag.Status.RESOLVED:
        raise ValidationError("This flag is already resolved.")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Say what was done about it."})
    if flag.status == TrustFlag.Status.OPEN:
        flag.acknowledged_by, flag.acknowledged_at = actor, timezone.now()
    flag.status = TrustFlag.Status.RESOLVED
    flag.resolved_by, flag.resolved_at, flag.resolution_note = actor, timezone.now(), note
    flag.save()
    audit_record(actor=actor, action="trust_flag.resolve", obj=flag, client=flag.client)
    return flag


# Queued by name: coaching/tasks.py imports this module for the work itself.
SUPERVISOR_REQUEST_TASK = "coaching.tasks.supervisor_request_notify"


def _supervisor_request_announce(request_id: int) -> None:
    # Emails go on the queue the reminder workers consume. A signature runs
    # the registered task (eagerly too, when Celery is told to), or sends it
    # by name to the worker that has it.
    app.signature(SUPERVISOR_REQUEST_TASK).apply_async((request_id,), queue=settings.REMINDER_QUEUE)


def supervisor_request_notify(*, request_id: int) -> list[str]:
    """Tell each active supervisor of the request's team, in neutral words
    (no name, no content, a link), that someone asked to talk with a
    supervisor. A team without one: the admins are told that the team lacks
    a supervisor, never anything about the request. Returns who was told.
    SMTP errors propagate: the task retries."""
    private = SupervisorRequest.objects.select_related("team").get(pk=request_id)
    supervisors = list(team_supervisors(private.team_id).values_list("email", "language"))
    if supervisors:
        template, recipients = "supervisor_request", supervisors
    else:
        template = "team_without_supervisor"
        recipients = list(
            User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", "language")
        )
    link = settings.SITE_URL + reverse("coaching:supervision")
    for email, language in recipients:
        emails.send(
            template=template,
            to=email,
            language=language,
            context={"link": link, "team": private.team},
        )
    return [email for email, _language in recipients]


@transaction.atomic
def supervisor_request_done(*, actor: User, request: SupervisorRequest) -> SupervisorRequest:
    """A supervisor has talked with the client: the request is done (the
    client sees that, never what was said)."""
    request = private_request_for_change(actor, request.pk)
    if request.done_at is not None:
        raise ValidationError("This request is already marked done.")
    now = timezone.now()
    request.done_by, request.done_at = actor, now
    if request.handled_at is None:
        request.handled_by, request.handled_at = actor, now
    request.save(update_fields=["done_by", "done_at", "handled_by", "handled_at"])
    audit_record(actor=actor, action="supervisor_request.done", obj=request, client=request.client)
    return request


@transaction.atomic
def supervisor_request_handle(*, actor: User, request: SupervisorRequest) -> SupervisorRequest:
    # Locked: when another supervisor of the team got there first, we see it.
    request = private_request_for_change(actor, request.pk)
    if request.handled_at is not None:
        raise ValidationError("Another supervisor has already taken this request.")
    request.handled_by, request.handled_at = actor, timezone.now()
    request.save(update_fields=["handled_by", "handled_at"])
    audit_record(
        actor=actor, action="supervisor_request.handle", obj=request, client=request.client
    )
    return request
