"""Writes about sessions. Each runs in a transaction and is audited."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Role, User
from accounts.selectors import clients_of
from sessions_log.models import MAX_DURATION, MIN_DURATION, Session

_OVERLAP = "You already have a session at that time. Choose another time."


def _check_details(*, starts_at, duration, modality, video_url) -> None:
    errors = {}
    if not MIN_DURATION <= duration <= MAX_DURATION:
        errors["duration"] = "A session lasts between 5 minutes and 8 hours."
    if video_url and not video_url.lower().startswith("https://"):
        errors["video_url"] = "A video link must start with https://."
    if modality == Session.Modality.VIDEO and not video_url:
        errors["video_url"] = "Add the video link for a video session."
    if errors:
        raise ValidationError(errors)


def _save_without_overlap(session: Session) -> None:
    try:
        # The exclusion constraint decides; a savepoint keeps the outer
        # transaction usable for the error message.
        with transaction.atomic():
            session.save()
    except IntegrityError as error:
        if "session_coach_not_double_booked" in str(error):
            raise ValidationError({"starts_at": _OVERLAP}) from None
        raise


def _require_own_client(actor: User, client: User) -> None:
    if actor.role != Role.COACH or not clients_of(actor).filter(pk=client.pk).exists():
        raise ValidationError({"client": "Choose one of your own clients."})


@transaction.atomic
def session_schedule(
    *,
    actor: User,
    client: User,
    starts_at: datetime,
    duration: timedelta,
    modality: str,
    location: str = "",
    video_url: str = "",
    agenda: str = "",
) -> Session:
    _require_own_client(actor, client)
    if starts_at <= timezone.now():
        raise ValidationError(
            {
                "starts_at": "Choose a time in the future. To record a past "
                "contact, use “Log a contact”."
            }
        )
    _check_details(starts_at=starts_at, duration=duration, modality=modality, video_url=video_url)
    session = Session(
        coach=actor,
        client=client,
        starts_at=starts_at,
        ends_at=starts_at + duration,
        modality=modality,
        location=location,
        video_url=video_url,
        agenda=agenda,
        created_by=actor,
    )
    _save_without_overlap(session)
    audit_record(actor=actor, action="session.schedule", obj=session, client=client)
    return session


@transaction.atomic
def contact_log(
    *, actor: User, client: User, started_at: datetime, duration: timedelta, modality: str
) -> Session:
    """Record a contact that already happened: a completed session."""
    _require_own_client(actor, client)
    if started_at + duration > timezone.now():
        raise ValidationError(
            {"starts_at": "A logged contact must already be over. To plan a session, schedule it."}
        )
    _check_details(starts_at=started_at, duration=duration, modality=modality, video_url="")
    session = Session(
        coach=actor,
        client=client,
        starts_at=started_at,
        ends_at=started_at + duration,
        modality=modality,
        status=Session.Status.COMPLETED,
        created_by=actor,
    )
    _save_without_overlap(session)
    audit_record(actor=actor, action="session.log_contact", obj=session, client=client)
    return session


def _lock_own_scheduled(actor: User, session: Session) -> Session:
    if actor.role != Role.COACH or session.coach_id != actor.pk:
        raise PermissionDenied
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.status != Session.Status.SCHEDULED:
        raise ValidationError(
            f"This session is already {locked.get_status_display().lower()}; it cannot change."
        )
    return locked


@transaction.atomic
def session_reschedule(
    *, actor: User, session: Session, starts_at: datetime, duration: timedelta
) -> Session:
    session = _lock_own_scheduled(actor, session)
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "Choose a time in the future."})
    _check_details(
        starts_at=starts_at,
        duration=duration,
        modality=session.modality,
        video_url=session.video_url,
    )
    session.starts_at, session.ends_at = starts_at, starts_at + duration
    session.sequence += 1
    _save_without_overlap(session)
    audit_record(actor=actor, action="session.reschedule", obj=session, client=session.client)
    return session


@transaction.atomic
def session_cancel(*, actor: User, session: Session, reason: str) -> Session:
    session = _lock_own_scheduled(actor, session)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say briefly why the session is cancelled."})
    session.status = Session.Status.CANCELLED
    session.cancelled_by, session.cancelled_at, session.cancel_reason = (
        actor,
        timezone.now(),
        reason,
    )
    session.sequence += 1
    session.save()
    audit_record(actor=actor, action="session.cancel", obj=session, client=session.client)
    return session


@transaction.atomic
def session_close(*, actor: User, session: Session, status: str) -> Session:
    """Mark a session that has started as completed or as a no-show."""
    if status not in (Session.Status.COMPLETED, Session.Status.NO_SHOW):
        raise ValidationError("A session is closed as completed or as a no-show.")
    session = _lock_own_scheduled(actor, session)
    if session.starts_at > timezone.now():
        raise ValidationError("A session cannot be closed before it starts.")
    session.status = status
    session.save()
    audit_record(actor=actor, action=f"session.{status}", obj=session, client=session.client)
    return session
