"""Reads for calendars: one session as .ics and each person's private feed.
Each lookup writes the read-audit rows of what it hands out."""

from datetime import timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_event, audit_record
from accounts.models import Role, User
from accounts.policy.records import own_sessions_scope
from common.tokens import token_digest
from sessions_log.models import CalendarFeed, Session
from sessions_log.selectors.sessions import sessions_visible_to


def calendar_sessions_of(user: User) -> QuerySet[Session]:
    """What a person's calendar feed lists: their own sessions (as coach or
    client) from 30 days ago on."""
    since = timezone.now() - timedelta(days=30)
    own = own_sessions_scope(user)
    return sessions_visible_to(user).filter(own, starts_at__gte=since).order_by("starts_at")


def calendar_session_for_viewing(user: User, pk: int) -> Session:
    """One of `user`'s own sessions to download as .ics (404 otherwise).
    Writes the read-audit row for its client."""
    session = get_object_or_404(calendar_sessions_of(user), pk=pk)
    audit_record(actor=user, action="calendar.download", obj=session, client=session.client)
    return session


def feed_owner(token: str) -> User | None:
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_digest=token_digest(token), user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def calendar_feed_for_viewing(token: str) -> tuple[User, list[Session]]:
    """The owner of a private feed link and the sessions it lists (404 for
    a link that does not work). Each reading is audited in the owner's name
    (their link was used): one event for the feed and, for a coach's, one
    for each client it lists."""
    owner = feed_owner(token)
    if owner is None:
        raise Http404
    sessions = list(calendar_sessions_of(owner))
    audit_clients_shown(
        actor=owner,
        shown=[("calendar_feed.read", sessions if owner.role != Role.CLIENT else [])],
        also=[audit_event(actor=owner, action="calendar_feed.read", obj=owner)],
    )
    return owner, sessions


def has_calendar_feed(user: User) -> bool:
    return CalendarFeed.objects.filter(user=user).exists()
