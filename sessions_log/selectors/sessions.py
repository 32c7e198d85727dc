"""Reads of sessions, always scoped to the person asking: the one lookup of
a session to show (session_for_viewing, which writes the read-audit row),
the one lookup of a session to change (session_for_change, locked), the
coach's agenda, and what the session page lets someone do (permissions_for)."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import User
from accounts.policy.records import (
    coach_private_scope,
    session_actor_scope,
    session_coach_scope,
    session_cosigner_scope,
    session_scheduler_scope,
    session_scope,
)
from sessions_log.models import Note, Session
from sessions_log.selectors.notes import notes_to_finish_summary, notes_visible_to


def sessions_visible_to(user: User) -> QuerySet[Session]:
    return Session.objects.filter(session_scope(user)).select_related("coach", "client")


_FLAGS = ("may_coach", "may_act", "may_cosign")


def _flags(user: User) -> dict[str, ExpressionWrapper]:
    """The acting scopes of a session, as columns: what permissions_for reads."""
    scopes = (session_coach_scope(user), session_actor_scope(user), session_cosigner_scope(user))
    return {
        name: ExpressionWrapper(scope, output_field=BooleanField())
        for name, scope in zip(_FLAGS, scopes, strict=True)
    }


def session_for_viewing(user: User, pk: int) -> Session:
    """The session page's session, if `user` sees it (404 otherwise, as for
    one that does not exist), with `shown_note`: the note `user` may read,
    or None. Writes the read-audit row: "note.read" when the page shows the
    note, "session.view" when it shows the session alone. It carries what
    permissions_for needs, so the page asks no more."""
    sessions = sessions_visible_to(user).select_related("service_code", "funding_programme")
    session = get_object_or_404(
        sessions.annotate(**_flags(user)),
        pk=pk,
    )
    session.flags_of = user.pk  # the annotations answer for this person
    # Through the policy, like the session: a successor coach reads an
    # earlier coach's signed note (continuity of care), never a draft.
    session.shown_note = notes_visible_to(user).filter(session=session).first()
    if session.shown_note is not None:
        note = session.shown_note
        audit_record(actor=user, action="note.read", obj=note, client=session.client)
    else:
        audit_record(actor=user, action="session.view", obj=session, client=session.client)
    return session


def visible_session(user: User, pk: int) -> Session:
    """The session a form on its page posts to, if `user` sees it (404
    otherwise). No read-audit row: a post shows nothing; its service takes
    the session through session_for_change, and the page shown again after
    a refusal through session_for_viewing."""
    return get_object_or_404(sessions_visible_to(user), pk=pk)


def session_for_change(user: User, pk: int, *, scope=session_actor_scope) -> Session:
    """The session `user` changes, locked until the transaction ends: within
    `scope` (by default session_actor_scope: their own coach, the client
    still theirs, the session still scheduled; session_coach_scope for what
    the coach sets on a closed session). Outside their coaching, refused;
    their own session in another state, a ValidationError that says so."""
    locked = (
        Session.objects.select_for_update(of=("self",))
        .select_related("coach", "client")
        .filter(scope(user), pk=pk)
        .first()
    )
    if locked is not None:
        return locked
    own = Session.objects.filter(session_coach_scope(user), pk=pk).first()
    if own is None:
        raise PermissionDenied
    raise ValidationError(
        f"This session is already {own.get_status_display().lower()}; it cannot change."
    )


def clients_to_schedule(user: User) -> QuerySet[User]:
    """The clients `user` may schedule a session with or log a contact for."""
    return User.objects.filter(session_scheduler_scope(user))


def agenda_of(coach: User, *, start: datetime, end: datetime) -> QuerySet[Session]:
    """The coach's own sessions between two instants, cancelled ones included."""
    return (
        sessions_visible_to(coach)
        .filter(coach=coach, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at")
    )


def agenda_page(coach: User, *, start: datetime, end: datetime) -> dict:
    """The agenda page: the coach's sessions between two instants and their
    oldest notes to finish. Records the clients it shows."""
    sessions = list(agenda_of(coach, start=start, end=end))
    notes = notes_to_finish_summary(coach)
    audit_clients_shown(
        actor=coach,
        shown=[("agenda.list", sessions), ("notes_to_finish.list", notes["notes_to_finish"])],
    )
    return {"sessions": sessions, **notes}


def agendas_visible_to(user: User) -> QuerySet[Session]:
    """The sessions whose private agenda `user` reads: their own as coach,
    and their team's coaches' as supervisor; never an earlier coach's."""
    return Session.objects.filter(session_scope(user), coach_private_scope(user))


def session_agenda(user: User, session: Session) -> str:
    """The session's private agenda if `user` may read it, else ""."""
    return (
        agendas_visible_to(user).filter(pk=session.pk).values_list("agenda", flat=True).first()
        or ""
    )


@dataclass(frozen=True)
class SessionPermissions:
    """What the session page offers `user`, from the policy's acting scopes."""

    can_coach: bool  # the .ics link, the note's draft form, the billing preview
    can_close: bool
    can_change: bool  # move or cancel
    can_bill: bool
    can_add_addendum: bool
    can_cosign: bool


def permissions_for(user: User, session: Session, note: Note | None = None) -> SessionPermissions:
    """The session page's buttons for `user`. A session from
    session_for_viewing carries the scopes' answers (no query); any other
    asks them in one query. `note` is the note the page shows, if any."""
    if getattr(session, "flags_of", None) == user.pk:
        flags = {name: getattr(session, name) for name in _FLAGS}
    else:
        flags = (
            Session.objects.filter(pk=session.pk).annotate(**_flags(user)).values(*_FLAGS).first()
        ) or dict.fromkeys(_FLAGS, False)
    may_coach, may_act, may_cosign = (bool(flags[name]) for name in _FLAGS)
    signed = note is not None and note.is_signed
    return SessionPermissions(
        can_coach=may_coach,
        can_close=may_act and session.starts_at <= timezone.now(),
        can_change=may_act,
        can_bill=may_coach and session.status != Session.Status.CANCELLED and not signed,
        can_add_addendum=may_coach and signed,
        can_cosign=may_cosign and note is not None,
    )
