"""Private calendar feed links (the feed itself is sessions_log/calendar.py)."""

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from common.tokens import new_token, token_digest
from sessions_log.models import CalendarFeed


@transaction.atomic
def calendar_feed_renew(*, actor: User) -> str:
    """A new private feed link for the actor; any earlier link stops working.
    Returns the token (shown once; only its digest is stored)."""
    token = new_token()
    CalendarFeed.objects.update_or_create(
        user=actor, defaults={"token_digest": token_digest(token), "created_at": timezone.now()}
    )
    audit_record(actor=actor, action="calendar_feed.renew", obj=actor)
    return token


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> None:
    CalendarFeed.objects.filter(user=actor).delete()
    audit_record(actor=actor, action="calendar_feed.revoke", obj=actor)


@transaction.atomic
def calendar_feed_revoke_after_reset(*, user: User) -> bool:
    """A password reset, or MFA removed or reset, may mean someone else had
    the account: the person's private feed link stops working (they make a
    new one on the calendar page). Returns whether there was a link."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        audit_record(actor=user, action="calendar_feed.revoke_on_reset", obj=user)
    return bool(deleted)
