"""What a session bills before its note is signed: the minutes spent, the
units of the client's day under the programme's rule (sessions_log/billing.py)
and how many would go past the daily cap (never billed)."""

import zoneinfo
from datetime import datetime, time, timedelta

from sessions_log import billing
from sessions_log.models import Session


def client_day(session: Session) -> tuple[datetime, datetime]:
    """The client's calendar day the session (its billed start) falls on,
    as UTC instants [start, end): the day a daily cap counts."""
    zone = zoneinfo.ZoneInfo(session.client.time_zone)
    day = billing.session_start(session).astimezone(zone).date()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def signed_that_day(session: Session) -> list[Session]:
    """The other completed sessions with a signed note of the session's
    client, code and programme on the client's day of the session, with
    their billed time. One query."""
    start, end = client_day(session)
    others = billing.with_billed_time(
        Session.objects.filter(
            client_id=session.client_id,
            service_code_id=session.service_code_id,
            funding_programme_id=session.funding_programme_id,
            status=Session.Status.COMPLETED,
            note__signed_at__isnull=False,
            starts_at__gte=start - billing_window(),
            starts_at__lt=end + billing_window(),
        ).exclude(pk=session.pk)
    ).select_related("client", "funding_programme")
    return [
        other
        for other in others
        if start <= billing.session_start(other) < end
        and billing.session_minutes(other) is not None
        and billing.modality_paid(other)
    ]


def billing_window() -> timedelta:
    # An actual start is at most a few hours from the booking (check_time_spent).
    return timedelta(hours=6)


def billing_preview(session: Session) -> dict:
    """What the session bills, for the coach before they sign: its minutes,
    its units (its share of the day's units under the programme's rule), the
    day's units of the others signed, the cap and how many go past it.
    `paid` is False for a contact mode the programme does not pay for."""
    minutes = billing.session_minutes(session)
    programme = session.funding_programme
    bill = {
        "minutes": minutes,
        "units": 0,
        "before": 0,
        "cap": programme.daily_unit_cap if programme else None,
        "over": 0,
        "day_minutes": minutes or 0,
        "day_units": 0,
        "paid": programme is None or billing.modality_paid(session),
        "rule": programme.get_unit_rule_display() if programme else "",
    }
    if session.status != Session.Status.COMPLETED or minutes is None or not bill["paid"]:
        return bill
    if programme is None or session.service_code_id is None:
        bill["units"] = bill["day_units"] = billing.units_for(minutes)
        return bill
    day = sorted(
        [*signed_that_day(session), session],
        key=lambda s: (billing.session_start(s), s.pk),
    )
    counted = billing.day_units([(s.pk, billing.session_minutes(s)) for s in day], programme)
    mine = next(line for line in counted.lines if line.key == session.pk)
    bill.update(
        units=mine.units + mine.over_cap,
        over=mine.over_cap,
        before=counted.units - mine.units - mine.over_cap,
        day_minutes=counted.minutes,
        day_units=counted.units,
    )
    return bill
