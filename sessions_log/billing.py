"""What a session bills: the minutes actually spent, the programme's unit
rule applied to the client's day, and when a session is billable.

- Minutes are the minutes spent the coach confirmed when closing or logging
  the session (Session.minutes_spent, from its actual start), or the latest
  correction an addendum made after signing: never the booking.
- Units follow the session's programme (FundingProgramme.unit_rule, the pure
  rule in sessions_log/units.py): by default CMS's total timed minutes per
  client, code and date of service (CMS Pub. 100-04 ch. 5 §20.2), else each
  session on its own. A unit is BILLING_UNIT_MINUTES (15) minutes, a part
  counting once it reaches BILLING_UNIT_THRESHOLD_MINUTES (8).
- The programme's daily cap applies to the day's units: units past it are
  never billed, listed apart with the reason. A line with no unit is never
  billed, nor is a contact mode the programme does not pay for.

A session is billable once it was completed, has a service code and a
funding programme that is billed, and its note is signed (and co-signed when
BILLING_REQUIRES_COSIGN).
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from sessions_log import units as unit_rules
from sessions_log.models import Addendum, FundingProgramme, Session


def units_for(minutes: int) -> int:
    """Units for `minutes` of one session on its own (the settings' unit)."""
    return unit_rules.units_for(
        minutes,
        size=settings.BILLING_UNIT_MINUTES,
        threshold=settings.BILLING_UNIT_THRESHOLD_MINUTES,
    )


def day_units(lines, programme: FundingProgramme) -> unit_rules.DayUnits:
    """A client's day of one code under `programme`'s rule and cap."""
    return unit_rules.day_units(
        lines,
        rule=programme.unit_rule,
        cap=programme.daily_unit_cap,
        size=settings.BILLING_UNIT_MINUTES,
        threshold=settings.BILLING_UNIT_THRESHOLD_MINUTES,
    )


def session_minutes(session: Session) -> int | None:
    """The minutes the session bills: the latest correction (when the
    queryset was annotated by `with_billed_time`), else the minutes spent;
    None when they were never recorded."""
    billed = getattr(session, "billed_minutes", None)
    return billed if billed is not None else session.minutes_spent


def session_start(session: Session):
    return getattr(session, "billed_start", None) or session.actual_start or session.starts_at


def with_billed_time(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate `billed_minutes`, `billed_start` (the latest correction's, else
    the session's own) and `corrected_at` (when the latest correction was
    signed: a claim line made before it is out of date)."""
    latest = Addendum.objects.filter(
        note__session_id=OuterRef("pk"), corrected_minutes__isnull=False
    ).order_by("-signed_at", "-pk")
    return sessions.annotate(
        corrected_at=Subquery(latest.values("signed_at")[:1]),
        billed_minutes=Coalesce(
            Subquery(latest.values("corrected_minutes")[:1]), F("minutes_spent")
        ),
        billed_start=Coalesce(
            Subquery(latest.values("corrected_start")[:1]), F("actual_start"), F("starts_at")
        ),
    )


def billable_note_states() -> list[str]:
    """The note states that make a completed session billable."""
    if settings.BILLING_REQUIRES_COSIGN:
        return [Session.NoteState.COSIGNED]
    return [Session.NoteState.AWAITING_COSIGN, Session.NoteState.COSIGNED]


def billable() -> Q:
    """Sessions (on Session) that may go on a claim, before the unit rule
    and the contact mode decide (`claim_lines`)."""
    return Q(
        status=Session.Status.COMPLETED,
        note_state__in=billable_note_states(),
        note__signed_at__isnull=False,
        service_code__isnull=False,
        funding_programme__billed=True,
    )


def over_cap(units_before: int, units: int, cap: int) -> int:
    """How many of `units` go over the daily `cap` when `units_before` of the
    same client, code and day come first."""
    return max(0, units_before + units - cap) - max(0, units_before - cap)


def client_day(session: Session):
    """The client's calendar day of the session's billed start."""
    return session_start(session).astimezone(zoneinfo.ZoneInfo(session.client.time_zone)).date()


@dataclass(frozen=True)
class ClaimLine:
    session: Session
    minutes: int
    units: int
    over_cap: int
    day_minutes: int


@dataclass(frozen=True)
class LeftOut:
    session: Session
    reason: str


def place_code(session: Session) -> str:
    """The CMS place-of-service code the session's programme maps its place
    to ("" when it maps none)."""
    return (session.funding_programme.place_codes or {}).get(session.place_type, "")


def modality_paid(session: Session) -> bool:
    return session.modality in (session.funding_programme.billable_modalities or [])


def claim_lines(sessions: list[Session]) -> tuple[list[ClaimLine], list[LeftOut]]:
    """The claim lines of billable `sessions` (with client, programme and
    billed time: `with_billed_time`), in the order given, and the sessions
    left out with why: a contact mode the programme does not pay for, no
    minutes recorded, no unit under the rule, every unit past the cap.
    Each (client, code, client's day) is counted as a whole, so the
    sessions given should hold whole days."""
    left: list[LeftOut] = []
    days: dict[tuple, list[Session]] = defaultdict(list)
    for session in sessions:
        programme = session.funding_programme
        minutes = session_minutes(session)
        if not modality_paid(session):
            left.append(
                LeftOut(
                    session,
                    f"{session.get_modality_display()} contact: {programme.name} does not pay "
                    "for this contact mode.",
                )
            )
        elif minutes is None:
            left.append(LeftOut(session, "The minutes spent were never recorded."))
        else:
            key = (session.client_id, session.service_code_id, programme.pk, client_day(session))
            days[key].append(session)
    shares: dict[int, tuple[int, int, int]] = {}
    for day in days.values():
        day.sort(key=lambda s: (session_start(s), s.pk))
        counted = day_units([(s.pk, session_minutes(s)) for s in day], day[0].funding_programme)
        for line in counted.lines:
            shares[line.key] = (line.units, line.over_cap, counted.minutes)
    lines = []
    for session in sessions:
        if session.pk not in shares:
            continue
        units, over, day_minutes = shares[session.pk]
        minutes = session_minutes(session)
        if units:
            lines.append(ClaimLine(session, minutes, units, over, day_minutes))
        elif over:
            programme = session.funding_programme
            plural = "s" if over != 1 else ""
            left.append(
                LeftOut(
                    session,
                    f"{over} unit{plural} past {programme.name}'s daily cap of "
                    f"{programme.daily_unit_cap} units: not billable.",
                )
            )
        else:
            left.append(
                LeftOut(
                    session,
                    f"No billable unit: {minutes} minutes ({day_minutes} that day for this "
                    "client and code) under the programme's rule.",
                )
            )
    return lines, left


def over_cap_reason(line: ClaimLine) -> str:
    if not line.over_cap:
        return ""
    programme = line.session.funding_programme
    return f"Past {programme.name}'s daily cap of {programme.daily_unit_cap} units: not billable."
