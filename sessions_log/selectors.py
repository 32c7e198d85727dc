"""Reads of sessions, always scoped to the person asking."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from accounts.models import Role, User
from accounts.policy import client_scope, coach_private_scope, note_scope
from common.paging import page_of
from common.tokens import token_digest
from sessions_log import billing
from sessions_log.models import (
    CalendarFeed,
    Note,
    NoteReview,
    Reminder,
    ReminderPreference,
    Session,
)


def sessions_visible_to(user: User) -> QuerySet[Session]:
    return Session.objects.filter(client_scope(user)).select_related("coach", "client")


def agenda_of(coach: User, *, start: datetime, end: datetime) -> QuerySet[Session]:
    """The coach's own sessions between two instants, cancelled ones included."""
    return (
        sessions_visible_to(coach)
        .filter(coach=coach, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at")
    )


def agendas_visible_to(user: User) -> QuerySet[Session]:
    """The sessions whose private agenda `user` reads: their own as coach,
    and their team's coaches' as supervisor; never an earlier coach's."""
    return Session.objects.filter(client_scope(user), coach_private_scope(user))


def session_agenda(user: User, session: Session) -> str:
    """The session's private agenda if `user` may read it, else ""."""
    return (
        agendas_visible_to(user).filter(pk=session.pk).values_list("agenda", flat=True).first()
        or ""
    )


def notes_visible_to(user: User) -> QuerySet[Note]:
    # The same rule as sessions_visible_to, on the session's client: "session
    # in (every session of the team's clients)" made PostgreSQL list them all.
    # Signed notes only, but for a draft's author and their supervisors.
    return Note.objects.filter(note_scope(user)).select_related(
        "session", "session__client", "session__coach", "author"
    )


def note_reviews_visible_to(user: User) -> QuerySet[NoteReview]:
    """Supervisors' reviews of notes (decision and comment): for the note's
    author and their team's supervisors, never for a successor coach."""
    return (
        NoteReview.objects.filter(
            client_scope(user, "note__session__client"), coach_private_scope(user, "note__author")
        )
        .select_related("reviewer")
        .order_by("at", "pk")
    )


def notes_to_finish(coach: User) -> QuerySet[Session]:
    """The coach's closed sessions whose note is missing or still a draft,
    oldest first, with `note_due_at` and `has_draft` annotated."""
    return (
        sessions_visible_to(coach)
        .filter(coach=coach, note_state=Session.NoteState.TO_WRITE)
        .annotate(
            note_due_at=ExpressionWrapper(
                F("ends_at") + timedelta(hours=settings.NOTE_DUE_HOURS),
                output_field=DateTimeField(),
            ),
            has_draft=Exists(Note.objects.filter(session=OuterRef("pk"))),
        )
        # A list of links: what it shows, not whole rows of people.
        .select_related(None)
        .select_related("client")
        .only("starts_at", "ends_at", "client__display_name")
        .order_by("ends_at")
    )


# The oldest few notes to finish on a coach's pages; the rest are a link
# away, so those pages cost the same however far behind a coach is.
NOTES_TO_FINISH_SHOWN = 10


def notes_to_finish_summary(coach: User) -> dict:
    """The oldest notes to finish, whether there are more, and now (for "overdue")."""
    oldest = page_of(notes_to_finish(coach), 1, NOTES_TO_FINISH_SHOWN)
    return {"notes_to_finish": oldest.object_list, "more": oldest.has_next, "now": timezone.now()}


def review_queue(supervisor: User) -> QuerySet[Session]:
    """The sessions of the supervisor's team whose signed note waits for a
    co-sign, longest waiting first. A returned note comes back once its
    coach has added an addendum (services keep Session.note_state)."""
    # The queue lists sessions; the note itself is read (and audited) on the
    # session's page, so the queue never loads note text.
    if supervisor.role != Role.SUPERVISOR:
        return Session.objects.none()
    return (
        sessions_visible_to(supervisor)
        .filter(note_state=Session.NoteState.AWAITING_COSIGN)
        .only("starts_at", "note_state_at", "coach__display_name", "client__display_name")
        .order_by("note_state_at", "pk")
    )


def calendar_sessions_of(user: User) -> QuerySet[Session]:
    """What a person's calendar feed lists: their own sessions (as coach or
    client) from 30 days ago on."""
    since = timezone.now() - timedelta(days=30)
    own = Q(coach=user) if user.role == Role.COACH else Q(client=user)
    return sessions_visible_to(user).filter(own, starts_at__gte=since).order_by("starts_at")


def feed_owner(token: str) -> User | None:
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_digest=token_digest(token), user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def reminder_preferences_of(users: list[User]) -> dict[int, ReminderPreference]:
    """Each person's email choices, by user id; the defaults where they made none."""
    stored = {pref.user_id: pref for pref in ReminderPreference.objects.filter(user__in=users)}
    return {user.pk: stored.get(user.pk) or ReminderPreference.defaults_for(user) for user in users}


def reminder_problems(user: User) -> QuerySet[Reminder]:
    """Failed and expired deliveries, newest first: for admins only."""
    if user.role != Role.ADMIN:
        return Reminder.objects.none()
    return (
        Reminder.objects.filter(status__in=[Reminder.Status.FAILED, Reminder.Status.EXPIRED])
        .select_related("recipient")
        .order_by("-updated_at", "-pk")
    )


def reminder_oldest_due() -> datetime | None:
    """The planned time of the oldest reminder that is due and not yet sent."""
    return (
        Reminder.objects.filter(
            status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING],
            due_at__lte=timezone.now(),
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


# ---------------------------------------------------------------- billing


def client_day(session: Session) -> tuple[datetime, datetime]:
    """The client's calendar day the session starts on, as UTC instants
    [start, end): the day a daily cap counts."""
    zone = zoneinfo.ZoneInfo(session.client.time_zone)
    day = session.starts_at.astimezone(zone).date()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def units_signed_that_day(session: Session) -> int:
    """Units already signed for the session's client and service code on the
    client's day of the session (other sessions): what the daily cap adds to.
    One query; nothing for a session without a code."""
    if session.service_code_id is None:
        return 0
    start, end = client_day(session)
    return (
        Note.objects.filter(
            session__client_id=session.client_id,
            session__service_code_id=session.service_code_id,
            session__status=Session.Status.COMPLETED,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
            signed_at__isnull=False,
        )
        .exclude(session_id=session.pk)
        .aggregate(total=Sum("units", default=0))["total"]
    )


def billing_preview(session: Session) -> dict:
    """What signing the session's note will bill, for the coach before they
    sign: minutes, units, the units already signed that day and the cap, and
    how many would go over it. One query."""
    minutes = billing.session_minutes(session)
    units = billing.units_for(minutes) if session.status == Session.Status.COMPLETED else 0
    before = units_signed_that_day(session)
    return {
        "minutes": minutes,
        "units": units,
        "before": before,
        "cap": billing.daily_cap(),
        "over": billing.over_cap(before, units) if session.service_code_id else 0,
    }
