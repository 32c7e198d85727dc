"""Writes about outreach: a coach logs an attempt to reach a client (two
taps: the channel and the outcome) and sets, with the client, how they want
to be reached. Each runs in a transaction and is audited; who may write
comes from accounts/policy/episodes.py (outreach_logger_scope), through
coaching.selectors.outreach.outreach_client_for_change.

The daily task raises a "no successful contact" flag (a TrustFlag rule: one
unresolved flag per relationship, in the coach's and supervisor's inbox)
for a client nobody has reached for OUTREACH_FLAG_DAYS.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, User
from coaching.models import Channel, ContactPreferences, OutreachAttempt, TrustFlag
from coaching.selectors.outreach import (
    LONG_AGO,
    days_without_contact,
    last_episode_discharged,
    outreach_client_for_change,
    without_contact_since,
)
from coaching.services.figures import contact_figures_count
from coaching.services.trust import flag_raise


@transaction.atomic
def outreach_attempt_log(
    *, actor: User, client: User, channel: str, outcome: str
) -> OutreachAttempt:
    """Record an attempt to reach `client`, now. A channel or an outcome not
    in the list is refused with nothing written."""
    client = outreach_client_for_change(actor, client.pk)
    errors = {}
    if channel not in Channel.values:
        errors["channel"] = "Choose how you tried to reach them."
    if outcome not in OutreachAttempt.Outcome.values:
        errors["outcome"] = "Choose what happened."
    if errors:
        raise ValidationError(errors)
    attempt = OutreachAttempt.objects.create(
        client=client, coach=actor, channel=channel, outcome=outcome
    )
    contact_figures_count(attempt=attempt)
    audit_record(actor=actor, action="outreach.attempt", obj=attempt, client=client)
    return attempt


@transaction.atomic
def contact_preferences_set(
    *,
    actor: User,
    client: User,
    preferred_channels: list[str],
    ok_to_text: bool,
    ok_to_voicemail: bool,
    ok_to_email: bool,
) -> ContactPreferences:
    """Set how `client` wants to be reached, as agreed with them."""
    client = outreach_client_for_change(actor, client.pk)
    channels = list(dict.fromkeys(preferred_channels))
    if any(channel not in Channel.values for channel in channels):
        raise ValidationError({"preferred_channels": "Choose channels from the list."})
    preferences, _ = ContactPreferences.objects.update_or_create(
        client=client,
        defaults={
            "preferred_channels": channels,
            "ok_to_text": bool(ok_to_text),
            "ok_to_voicemail": bool(ok_to_voicemail),
            "ok_to_email": bool(ok_to_email),
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    audit_record(actor=actor, action="outreach.preferences", obj=preferences, client=client)
    return preferences


def outreach_flags_raise(*, now: datetime | None = None) -> int:
    """Raise the "no successful contact" flag for every active relationship
    whose client nobody has reached for OUTREACH_FLAG_DAYS (or, never
    reached, since the relationship started), unless the client's last
    episode is discharged. Once per silence: not while one is unresolved
    (the model's constraint), and not again after a supervisor resolved the
    one raised since the last contact. Returns how many were raised."""
    now = now or timezone.now()
    days = settings.OUTREACH_FLAG_DAYS
    # A flag raised after the last contact (ever, for a client never reached).
    flagged = TrustFlag.objects.filter(
        assignment=OuterRef("pk"),
        rule=TrustFlag.Rule.NO_CONTACT,
        raised_at__gt=Coalesce(OuterRef("last_contact_at"), Value(LONG_AGO)),
    )
    silent = (
        without_contact_since(
            CaseloadAssignment.objects.filter(ended_at__isnull=True, client__is_active=True),
            days,
            now,
        )
        .exclude(last_episode_discharged())
        .exclude(Exists(flagged))
        .order_by("pk")
    )
    raised = 0
    for assignment in silent:
        days_silent = days_without_contact(assignment.last_contact_at, now=now)
        if days_silent is None:
            started = (now - assignment.started_at).days
            detail = f"Never reached since the coaching started {started} days ago"
        else:
            detail = f"No successful contact for {days_silent} days"
        detail += f"; {assignment.attempts_since} attempts since"
        if flag_raise(assignment=assignment, rule=TrustFlag.Rule.NO_CONTACT, detail=detail):
            raised += 1
    return raised
