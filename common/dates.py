"""Dates as a person lives them."""

import zoneinfo
from datetime import date

from django.conf import settings
from django.utils import timezone


def local_today(person) -> date:
    """Today's date where `person` is (their `time_zone`, the organisation's
    when unset):
    a consent's end date, a plan's review day and an episode's dates count in
    the client's day, not the server's."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(person.time_zone or settings.TIME_ZONE))
