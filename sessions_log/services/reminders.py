"""Which reminder emails a change of a session calls for, and people's
choices of email.

Planning runs inside the session services' transactions, so a session and
its emails change together or not at all: it writes one outbox row per
(session, recipient, kind). Sending them is sessions_log/services/outbox.py.
"""

import base64
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.audit import audit_record
from accounts.models import Role, User
from accounts.policy.records import own_sessions_scope
from sessions_log.models import PREFERENCE_KINDS, Reminder, ReminderPreference, Session
from sessions_log.selectors import reminder_preferences_of
from sessions_log.selectors.texts import text_receivers

Kind, Status, Channel = Reminder.Kind, Reminder.Status, Reminder.Channel
BEFORE_SESSION = (Kind.FIRST_REMINDER, Kind.SECOND_REMINDER)
# Asking the client of a completed session how it felt, and once more if unanswered.
CHECKIN_KINDS = (Kind.CHECKIN_REQUEST, Kind.CHECKIN_REMINDER)
# For these kinds the session must still be scheduled when the email goes.
NEEDS_SCHEDULED = (*BEFORE_SESSION, Kind.RESCHEDULED)
# A row in one of these states is done with for its version of the session.
_HANDLED = (Status.SENT, Status.SENDING, Status.EXPIRED, Status.FAILED)
OPEN = (Status.PENDING, Status.SENDING)


# ---------------------------------------------------------------- planning


def _wall_clock_before(moment: datetime, offset: timedelta, zone: ZoneInfo) -> datetime:
    """`offset` before `moment`, counting whole days on the recipient's wall
    clock: a day before 09:00 is 09:00 the day before, DST or not."""
    whole_days = timedelta(days=offset.days)
    # Arithmetic on an aware datetime keeps its wall time; the UTC offset is
    # worked out again for the new date.
    local = moment.astimezone(zone) - whole_days
    return local.astimezone(UTC) - (offset - whole_days)


def _quiet_window(
    moment: datetime, pref: ReminderPreference, zone: ZoneInfo
) -> tuple[datetime, datetime] | None:
    """The quiet hours (begin, end) that `moment` falls in, if any."""
    if pref.quiet_start is None or pref.quiet_end is None:
        return None
    day = moment.astimezone(zone).date()
    for start_day in (day - timedelta(days=1), day):
        end_day = start_day if pref.quiet_end > pref.quiet_start else start_day + timedelta(days=1)
        begin = datetime.combine(start_day, pref.quiet_start, zone).astimezone(UTC)
        end = datetime.combine(end_day, pref.quiet_end, zone).astimezone(UTC)
        if begin <= moment < end:
            return begin, end
    return None


def _send_time(
    *,
    due: datetime,
    deadline: datetime,
    pref: ReminderPreference,
    zone: ZoneInfo,
    now: datetime,
    urgent: bool,
) -> datetime | None:
    """When an email planned for `due` goes out, honouring quiet hours.

    One that would fall in quiet hours goes out just before they begin. When
    that moment has passed, it goes as they end, if that is before the
    deadline. A move or a cancellation that fits neither goes now: someone
    may otherwise travel to a session that is not happening. A reminder that
    fits neither is dropped.
    """
    window = _quiet_window(due, pref, zone)
    if window is None:
        return due
    begin, end = window
    just_before = begin - timedelta(minutes=1)
    if just_before > now:
        return just_before
    if end < deadline:
        return end
    return max(due, now) if urgent else None


def _desired(
    session: Session, kind: str, pref: ReminderPreference, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime] | None:
    """(send time, deadline) for one email, or None when it should not go."""
    if not pref.wants(kind):
        return None
    if kind in BEFORE_SESSION:
        if session.status != Session.Status.SCHEDULED:
            return None
        due = _wall_clock_before(session.starts_at, settings.REMINDER_OFFSETS[kind], zone)
        if due <= now:
            return None  # planned too late for this one: the next reminder covers it
        deadline = session.starts_at
    elif kind in CHECKIN_KINDS:
        deadline = now + timedelta(days=settings.CHECKIN_VALID_DAYS)
        due = now if kind == Kind.CHECKIN_REQUEST else now + settings.CHECKIN_REMINDER_AFTER
    else:
        due, deadline = now, session.starts_at
    if deadline <= now:
        return None
    urgent = kind in (Kind.RESCHEDULED, Kind.CANCELLED)
    at = _send_time(due=due, deadline=deadline, pref=pref, zone=zone, now=now, urgent=urgent)
    if at is None or at >= deadline:
        return None
    return at, deadline


def _channels(pref: ReminderPreference, *, texts: bool) -> tuple[str, ...]:
    """How someone gets their reminders: by text once their number is
    confirmed (and by email too unless they said not), else by email."""
    if not texts:
        return (Channel.EMAIL,)
    return (Channel.TEXT, Channel.EMAIL) if pref.by_email else (Channel.TEXT,)


# Which emails each change of a session calls for.
_KINDS_FOR_CHANGE = {
    "scheduled": BEFORE_SESSION,
    "rescheduled": (*BEFORE_SESSION, Kind.RESCHEDULED),
    "cancelled": (Kind.CANCELLED,),
    "completed": CHECKIN_KINDS,
    "preferences": BEFORE_SESSION,
}


def reminders_plan(*, session: Session, change: str, only: User | None = None) -> None:
    """Write the outbox rows a change of `session` calls for.

    Call it inside the transaction that changes the session, with the session
    row locked (or new). `only` limits the plan to one recipient (after they
    changed their preferences).
    """
    now = timezone.now()
    kinds = _KINDS_FOR_CHANGE[change]
    people = [only] if only else [session.client, session.coach]
    if change == "cancelled":
        session.reminders.filter(status__in=OPEN).update(status=Status.CANCELLED, lease_token=None)
    elif only is None:
        # Someone who left the session (a coach handing over) gets nothing more.
        session.reminders.filter(status__in=OPEN).exclude(recipient__in=people).update(
            status=Status.CANCELLED, lease_token=None
        )
    prefs = reminder_preferences_of(people)
    texting = text_receivers(person.pk for person in people)
    existing = {
        (row.recipient_id, row.kind, row.channel): row
        for row in session.reminders.filter(kind__in=kinds, recipient__in=people)
    }
    upserts, cancels = [], []
    for person in people:
        zone = ZoneInfo(person.time_zone)
        channels = _channels(prefs[person.pk], texts=person.pk in texting)
        for kind in kinds:
            if kind in CHECKIN_KINDS and person.pk != session.client_id:
                continue
            desired = _desired(session, kind, prefs[person.pk], zone, now)
            for channel in Channel.values:
                row = existing.get((person.pk, kind, channel))
                if row and row.sequence == session.sequence:
                    in_flight = row.status == Status.PENDING and row.due_at <= now
                    if row.status in _HANDLED or in_flight:
                        continue  # already dealt with for this version of the session
                if desired is None or channel not in channels:
                    if row and row.status == Status.PENDING:
                        cancels.append(row.pk)
                    continue
                due, deadline = desired
                upserts.append(
                    Reminder(
                        session=session,
                        recipient=person,
                        kind=kind,
                        channel=channel,
                        sequence=session.sequence,
                        status=Status.PENDING,
                        due_at=due,
                        deadline=deadline,
                        next_attempt_at=due,
                        lease_token=None,
                        attempts=0,
                        last_error="",
                        sent_at=None,
                    )
                )
    if cancels:
        Reminder.objects.filter(pk__in=cancels).update(status=Status.CANCELLED, lease_token=None)
    if upserts:
        # One row per (session, recipient, kind, channel): a change rewrites it.
        Reminder.objects.bulk_create(
            upserts,
            update_conflicts=True,
            unique_fields=["session", "recipient", "kind", "channel"],
            update_fields=[
                "sequence",
                "status",
                "due_at",
                "deadline",
                "next_attempt_at",
                "lease_token",
                "attempts",
                "last_error",
                "sent_at",
                "updated_at",
            ],
        )


# ------------------------------------------------------------- preferences


def _reminder_words(kind: str) -> str:
    offset = settings.REMINDER_OFFSETS[kind]
    hours = int(offset.total_seconds() // 3600)
    if hours and offset.total_seconds() % 3600 == 0:
        return ngettext(
            "A reminder %(count)d hour before", "A reminder %(count)d hours before", hours
        ) % {"count": hours}
    minutes = int(offset.total_seconds() // 60)
    return ngettext(
        "A reminder %(count)d minute before", "A reminder %(count)d minutes before", minutes
    ) % {"count": minutes}


def kind_choices(role: str) -> list[tuple[str, str]]:
    """The kinds of email a person can choose, in words they will recognise
    (in the active language: the page's, or the email's reader's)."""
    choices = [
        (Kind.FIRST_REMINDER, _reminder_words(Kind.FIRST_REMINDER)),
        (Kind.SECOND_REMINDER, _reminder_words(Kind.SECOND_REMINDER)),
        (Kind.RESCHEDULED, _("When an appointment changes")),
        (Kind.CANCELLED, _("When an appointment is cancelled")),
    ]
    if role == Role.CLIENT:
        choices.append((Kind.CHECKIN_REQUEST, _("A short check-in after an appointment")))
    return choices


# How long a link to stop emails works: long enough for an email read weeks
# later, short enough that an old mailbox holds no standing key to anyone's
# choices.
UNSUBSCRIBE_VALID = timedelta(days=60)
_UNSUBSCRIBE_SALT = "sessions_log.reminder_unsubscribe.v2"
# Shown on the page the link opens, in the reader's language.
_LINK_NOT_VALID = gettext_lazy("This link is not valid.")
_LINK_EXPIRED = gettext_lazy("This link has expired: links to stop emails work for %(days)d days.")


@cache
def _unsubscribe_box(secrets: tuple[str, ...]) -> MultiFernet:
    """Fernet (authenticated encryption) under a key derived from each of
    SECRET_KEY and SECRET_KEY_FALLBACKS: the first encrypts, every one
    decrypts, so rotating SECRET_KEY the Django way keeps recent links
    working."""

    def key(secret: str) -> bytes:
        digest = salted_hmac(_UNSUBSCRIBE_SALT, "key", secret=secret, algorithm="sha256")
        return base64.urlsafe_b64encode(digest.digest())

    return MultiFernet([Fernet(key(secret)) for secret in secrets])


def _unsubscribe_keys() -> MultiFernet:
    return _unsubscribe_box((settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


def unsubscribe_token(user: User, kind: str) -> str:
    """The credential in a link that turns one kind of email off for one
    person, without signing in (mail clients post to it without cookies).

    Encrypted and authenticated: the link shows neither whose it is nor which
    kind, cannot be altered, and stops working after UNSUBSCRIBE_VALID."""
    payload = json.dumps([user.pk, kind], separators=(",", ":")).encode()
    return _unsubscribe_keys().encrypt(payload).decode().rstrip("=")


def unsubscribe_check(token: str) -> tuple[User, str]:
    """Whose link this is and the kind of email it stops; ValidationError,
    saying why, for a link that is forged, altered, expired or no longer
    anyone's. Changes nothing."""
    try:
        raw = (token + "=" * (-len(token) % 4)).encode("ascii")
    except UnicodeEncodeError:
        raise ValidationError(_LINK_NOT_VALID) from None
    box = _unsubscribe_keys()
    try:
        payload = box.decrypt(raw, ttl=int(UNSUBSCRIBE_VALID.total_seconds()))
    except InvalidToken:
        try:
            box.extract_timestamp(raw)  # authentic, so only its age is wrong
        except InvalidToken:
            raise ValidationError(_LINK_NOT_VALID) from None
        raise ValidationError(_LINK_EXPIRED, params={"days": UNSUBSCRIBE_VALID.days}) from None
    try:
        user_pk, kind = json.loads(payload)
        user = User.objects.get(pk=int(user_pk), is_active=True)
    except (ValueError, TypeError, User.DoesNotExist):
        raise ValidationError(_LINK_NOT_VALID) from None
    if kind not in PREFERENCE_KINDS:
        raise ValidationError(_LINK_NOT_VALID)
    return user, kind


def reminders_replan_upcoming(user: User) -> None:
    """Plan again the reminders of someone's upcoming sessions after a
    change of their choices (kinds, quiet hours, texts on or off). Inside
    the transaction that made the change."""
    upcoming = (
        Session.objects.select_for_update(of=("self",))
        .select_related("coach", "client")
        .filter(
            own_sessions_scope(user),
            status=Session.Status.SCHEDULED,
            starts_at__gt=timezone.now(),
        )
        .order_by("pk")
    )
    for session in upcoming:
        reminders_plan(session=session, change="preferences", only=user)


@transaction.atomic
def reminder_preferences_update(*, actor: User, **values) -> ReminderPreference:
    """Save someone's email choices and re-plan their upcoming reminders."""
    if (values.get("quiet_start") is None) != (values.get("quiet_end") is None):
        raise ValidationError({"quiet_end": _("Give quiet hours a start and an end, or neither.")})
    if values.get("quiet_start") is not None and values["quiet_start"] == values["quiet_end"]:
        raise ValidationError({"quiet_end": _("Quiet hours must end at a different time.")})
    allowed = {*PREFERENCE_KINDS, "quiet_start", "quiet_end", "by_email"}
    pref = reminder_preferences_of([actor])[actor.pk]
    for name, value in values.items():
        if name not in allowed:
            raise ValueError(f"not a reminder preference: {name}")
        setattr(pref, name, value)
    pref.save()
    audit_record(actor=actor, action="reminders.preferences", obj=actor)
    reminders_replan_upcoming(actor)
    return pref


@transaction.atomic
def reminder_unsubscribe(*, token: str) -> tuple[User, str]:
    """Turn off the kind of email a link was for. Returns (person, kind)."""
    user, kind = unsubscribe_check(token)
    pref = reminder_preferences_of([user])[user.pk]
    setattr(pref, kind, False)
    pref.save()
    audit_record(actor=user, action="reminders.unsubscribe", obj=user)
    reminders_replan_upcoming(user)
    return user, kind
