"""What signing a note bills: the client's day, the units already signed
that day, and the preview the coach sees before signing."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.db.models import Sum

from sessions_log import billing
from sessions_log.models import Note, Session


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
