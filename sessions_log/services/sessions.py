"""Scheduling, moving, cancelling and completing sessions, and logging a
contact that already happened. Each runs in a transaction and is audited."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy.records import session_coach_scope
from sessions_log.hooks import session_closed, session_completed
from sessions_log.models import (
    MAX_DURATION,
    MAX_MINUTES_SPENT,
    MIN_DURATION,
    FundingProgramme,
    PlaceType,
    ServiceCode,
    Session,
    SessionGroup,
)
from sessions_log.selectors.sessions import clients_to_schedule, session_for_change
from sessions_log.services.note_counts import note_counts_add
from sessions_log.services.reminders import reminders_plan

_OVERLAP = "You already have a session at that time. Choose another time."
# How far the actual start may be from the booking: further, it is another contact.
MAX_START_DRIFT = timedelta(hours=4)


def check_time_spent(*, booked_start: datetime, actual_start, minutes_spent) -> datetime:
    """The actual start and minutes spent a coach confirms: refused with a
    message per field when missing, negative or nil, over 8 hours, in the
    future, or far from the booking. Returns the start on a whole minute."""
    errors = {}
    if minutes_spent is None:
        errors["minutes_spent"] = "Enter the minutes actually spent."
    elif minutes_spent < 1:
        errors["minutes_spent"] = "Minutes spent must be at least 1 (not zero or negative)."
    elif minutes_spent > MAX_MINUTES_SPENT:
        errors["minutes_spent"] = "Minutes spent are at most 8 hours (480 minutes)."
    if actual_start is None:
        errors["actual_start"] = "Enter when the session actually started."
    else:
        actual_start = _to_minute(actual_start)
        now = timezone.now()
        if actual_start > now:
            errors["actual_start"] = "The actual start cannot be in the future."
        elif abs(actual_start - booked_start) > MAX_START_DRIFT:
            errors["actual_start"] = (
                "The actual start is more than 4 hours from the booked time: check the date "
                "and time, or log it as a separate contact."
            )
        elif "minutes_spent" not in errors and actual_start + timedelta(
            minutes=minutes_spent
        ) > now + timedelta(minutes=1):
            errors["minutes_spent"] = (
                "Those minutes would end in the future: check the start and the minutes."
            )
    if errors:
        raise ValidationError(errors)
    return actual_start


def _to_minute(moment: datetime) -> datetime:
    """Sessions start on a whole minute, as people and calendars think of them."""
    return moment.replace(second=0, microsecond=0)


def _check_details(*, duration, modality, video_url, planned=True) -> None:
    """A planned video session needs its link (people join through it); a
    contact logged afterwards does not."""
    errors = {}
    if not MIN_DURATION <= duration <= MAX_DURATION:
        errors["duration"] = "A session lasts between 5 minutes and 8 hours."
    if video_url and not video_url.lower().startswith("https://"):
        errors["video_url"] = "A video link must start with https://."
    if planned and modality == Session.Modality.VIDEO and not video_url:
        errors["video_url"] = "Add the video link for a video session."
    if errors:
        raise ValidationError(errors)


def _check_billing(*, place_type, service_code, funding_programme) -> None:
    """What a claim will say: a place from the list, an active code and an
    active programme (or none yet: a session can be billed once they are set)."""
    errors = {}
    if place_type not in PlaceType.values:
        errors["place_type"] = "Choose where the session takes place from the list."
    if service_code is not None and not (
        isinstance(service_code, ServiceCode)
        and ServiceCode.objects.filter(pk=service_code.pk, active=True).exists()
    ):
        errors["service_code"] = "Choose a service code from the list; this one is not in use."
    if funding_programme is not None and not (
        isinstance(funding_programme, FundingProgramme)
        and FundingProgramme.objects.filter(pk=funding_programme.pk, active=True).exists()
    ):
        errors["funding_programme"] = "Choose a funding programme from the list."
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


def _check_client(actor: User, client: User) -> None:
    """The policy's session_scheduler_scope: a coach, one of their clients now."""
    if not clients_to_schedule(actor).filter(pk=client.pk).exists():
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
    place_type: str = PlaceType.OFFICE,
    service_code: ServiceCode | None = None,
    funding_programme: FundingProgramme | None = None,
    session_group: SessionGroup | None = None,
) -> Session:
    """`session_group`: the group session this is one client's row of (groups.py)."""
    _check_client(actor, client)
    starts_at = _to_minute(starts_at)
    if starts_at <= timezone.now():
        raise ValidationError(
            {
                "starts_at": "Choose a time in the future. To record a past "
                "contact, use “Log a contact”."
            }
        )
    _check_details(duration=duration, modality=modality, video_url=video_url)
    _check_billing(
        place_type=place_type, service_code=service_code, funding_programme=funding_programme
    )
    session = Session(
        coach=actor,
        client=client,
        starts_at=starts_at,
        ends_at=starts_at + duration,
        modality=modality,
        location=location,
        video_url=video_url,
        agenda=agenda,
        place_type=place_type,
        service_code=service_code,
        funding_programme=funding_programme,
        session_group=session_group,
        created_by=actor,
    )
    _save_without_overlap(session)
    reminders_plan(session=session, change="scheduled")
    audit_record(actor=actor, action="session.schedule", obj=session, client=client)
    return session


@transaction.atomic
def contact_log(
    *,
    actor: User,
    client: User,
    started_at: datetime,
    duration: timedelta,
    modality: str,
    place_type: str = PlaceType.OFFICE,
    service_code: ServiceCode | None = None,
    funding_programme: FundingProgramme | None = None,
    minutes_spent: int | None = None,
) -> Session:
    """Record a contact that already happened: a completed session. Its start
    is the actual start; the minutes spent default to its length."""
    _check_client(actor, client)
    if minutes_spent is None:
        minutes_spent = int(duration.total_seconds() // 60)
    if started_at + duration > timezone.now():
        raise ValidationError(
            {"starts_at": "A logged contact must already be over. To plan a session, schedule it."}
        )
    _check_details(duration=duration, modality=modality, video_url="", planned=False)
    started_at = check_time_spent(
        booked_start=started_at, actual_start=started_at, minutes_spent=minutes_spent
    )
    _check_billing(
        place_type=place_type, service_code=service_code, funding_programme=funding_programme
    )
    session = Session(
        coach=actor,
        client=client,
        starts_at=started_at,
        ends_at=started_at + duration,
        actual_start=started_at,
        minutes_spent=minutes_spent,
        modality=modality,
        place_type=place_type,
        service_code=service_code,
        funding_programme=funding_programme,
        status=Session.Status.COMPLETED,
        note_state=Session.NoteState.TO_WRITE,
        note_state_at=started_at + duration,
        created_by=actor,
    )
    _save_without_overlap(session)
    note_counts_add(coach_id=session.coach_id, to_write=1)
    session_closed.send(sender=Session, session=session)
    audit_record(actor=actor, action="session.log_contact", obj=session, client=client)
    # However a session came to be completed, the layer above hears of it.
    session_completed.send(sender=Session, session=session)
    return session


@transaction.atomic
def session_reschedule(
    *, actor: User, session: Session, starts_at: datetime, duration: timedelta
) -> Session:
    session = session_for_change(actor, session.pk)
    if session.session_group_id is not None:
        # One member moved alone would be billed as in a group it is not in.
        raise ValidationError(
            "This session is part of a group session and moves only with it: cancel it "
            "for this client and schedule them again on their own."
        )
    starts_at = _to_minute(starts_at)
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "Choose a time in the future."})
    _check_details(
        duration=duration,
        modality=session.modality,
        video_url=session.video_url,
    )
    session.starts_at, session.ends_at = starts_at, starts_at + duration
    session.sequence += 1
    _save_without_overlap(session)
    reminders_plan(session=session, change="rescheduled")
    audit_record(actor=actor, action="session.reschedule", obj=session, client=session.client)
    return session


@transaction.atomic
def session_cancel(*, actor: User, session: Session, reason: str) -> Session:
    session = session_for_change(actor, session.pk)
    return _cancel(actor, session, reason)


def _cancel(actor: User, session: Session, reason: str) -> Session:
    """Cancel a locked, scheduled session and notify (the caller checked who may)."""
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
    reminders_plan(session=session, change="cancelled")
    audit_record(actor=actor, action="session.cancel", obj=session, client=session.client)
    return session


def sessions_hand_over(
    *, actor: User, client: User, from_coach: User, to_coach: User, cancel: bool, reason: str
) -> int:
    """The client's upcoming sessions with `from_coach`, when the client moves
    to `to_coach`: moved to the new coach (same time; the client is told
    what changed) or cancelled with notice. A place in the old coach's group
    session is always cancelled: the group is theirs, and the old coach no
    longer sees the client. Runs inside the reassignment's transaction;
    returns how many sessions it touched."""
    upcoming = (
        Session.objects.select_for_update(of=("self",))
        .select_related("coach", "client")
        .filter(
            client=client,
            coach=from_coach,
            status=Session.Status.SCHEDULED,
            starts_at__gt=timezone.now(),
        )
        .order_by("starts_at")
    )
    count = 0
    for session in upcoming:
        if cancel or session.session_group_id:
            _cancel(actor, session, reason)
        else:
            session.coach = to_coach
            # The agenda was the old coach's private plan; the new coach starts their own.
            session.agenda = ""
            session.sequence += 1
            try:
                _save_without_overlap(session)
            except ValidationError:
                when = timezone.localtime(session.starts_at).strftime("%-d %b %Y, %H:%M")
                raise ValidationError(
                    {
                        "future": f"{to_coach.display_name} already has a session on {when}. "
                        "Choose to cancel the upcoming sessions, or another coach."
                    }
                ) from None
            reminders_plan(session=session, change="rescheduled")
            audit_record(actor=actor, action="session.hand_over", obj=session, client=client)
        count += 1
    return count


@transaction.atomic
def session_close(
    *,
    actor: User,
    session: Session,
    status: str,
    actual_start: datetime | None = None,
    minutes_spent: int | None = None,
) -> Session:
    """Mark a session that has started as completed or as a no-show. A
    completed one records when it actually started and the minutes spent
    (what it bills; the coach confirms or changes the booking's)."""
    if status not in (Session.Status.COMPLETED, Session.Status.NO_SHOW):
        raise ValidationError("A session is closed as completed or as a no-show.")
    session = session_for_change(actor, session.pk)
    if session.starts_at > timezone.now():
        raise ValidationError("A session cannot be closed before it starts.")
    if status == Session.Status.COMPLETED:
        session.actual_start = check_time_spent(
            booked_start=session.starts_at, actual_start=actual_start, minutes_spent=minutes_spent
        )
        session.minutes_spent = minutes_spent
    session.status = status
    session.note_state, session.note_state_at = Session.NoteState.TO_WRITE, session.ends_at
    session.save()
    note_counts_add(coach_id=session.coach_id, to_write=1)
    session_closed.send(sender=Session, session=session)
    if status == Session.Status.COMPLETED:
        # The layer above asks the client how the session felt (and plans its email).
        session_completed.send(sender=Session, session=session)
    audit_record(actor=actor, action=f"session.{status}", obj=session, client=session.client)
    return session


@transaction.atomic
def session_billing_set(
    *,
    actor: User,
    session: Session,
    place_type: str,
    service_code: ServiceCode | None,
    funding_programme: FundingProgramme | None,
) -> Session:
    """Where the session took place, its code and programme: its coach sets
    them until the note is signed (the signature fixes what is billed)."""
    session = session_for_change(actor, session.pk, scope=session_coach_scope)
    if session.status == Session.Status.CANCELLED:
        raise ValidationError("A cancelled session is not billed.")
    if Session.objects.filter(pk=session.pk, note__signed_at__isnull=False).exists():
        raise ValidationError(
            "The note is signed: what it bills can no longer change. Add an addendum instead."
        )
    _check_billing(
        place_type=place_type, service_code=service_code, funding_programme=funding_programme
    )
    session.place_type = place_type
    session.service_code, session.funding_programme = service_code, funding_programme
    session.save(update_fields=["place_type", "service_code", "funding_programme", "updated_at"])
    audit_record(actor=actor, action="session.billing", obj=session, client=session.client)
    return session
