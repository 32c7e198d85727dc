"""How a session's minutes become billable units, and when a session is billable.

The rule (settings, from the environment):

- a unit is BILLING_UNIT_MINUTES (15) of service;
- a part of a unit counts as a whole one once it reaches
  BILLING_UNIT_THRESHOLD_MINUTES (8): the CMS "8-minute rule". So 7 minutes
  bill nothing, 8 to 22 minutes one unit, 23 to 37 two, 38 three;
- a client is billed at most BILLING_DAILY_UNIT_CAP (16) units of one code
  on one day (their own calendar day). Going over is allowed with a reason,
  which is kept with the signature; the claim shows the units over the cap
  and the reason. Time is never dropped: the note keeps every unit.

A session is billable once it was completed, has a service code and a
funding programme that is billed, and its note is signed (and co-signed when
BILLING_REQUIRES_COSIGN).
"""

from django.conf import settings
from django.db.models import Q

from sessions_log.models import Session


def units_for(minutes: int) -> int:
    """Billable units for `minutes` of service (the rule above)."""
    if minutes <= 0:
        return 0
    size, threshold = settings.BILLING_UNIT_MINUTES, settings.BILLING_UNIT_THRESHOLD_MINUTES
    whole, rest = divmod(minutes, size)
    return whole + (1 if rest >= threshold else 0)


def session_minutes(session: Session) -> int:
    return int(session.duration.total_seconds() // 60)


def daily_cap() -> int:
    return settings.BILLING_DAILY_UNIT_CAP


def billable_note_states() -> list[str]:
    """The note states that make a completed session billable."""
    if settings.BILLING_REQUIRES_COSIGN:
        return [Session.NoteState.COSIGNED]
    return [Session.NoteState.AWAITING_COSIGN, Session.NoteState.COSIGNED]


def billable() -> Q:
    """Sessions (on Session) that may go on a claim."""
    return Q(
        status=Session.Status.COMPLETED,
        note_state__in=billable_note_states(),
        note__signed_at__isnull=False,
        service_code__isnull=False,
        funding_programme__billed=True,
    )


def over_cap(units_before: int, units: int) -> int:
    """How many of `units` go over the daily cap, when `units_before` of the
    same client, code and day were signed already."""
    return max(0, units_before + units - daily_cap()) - max(0, units_before - daily_cap())
