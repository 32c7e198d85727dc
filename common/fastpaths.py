"""Helpers for pages that print long tables without per-row overhead: URLs
built from a prefix reversed once per process, and dates formatted in the
viewer's zone without going through the template engine for each cell.

Both give exactly what `{% url %}` and the `date` filter give (USE_I18N is
off: English month and day names)."""

from datetime import datetime, tzinfo

from django.urls import get_script_prefix, reverse
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR

# A number no real pk is: reversed in its place, then split on.
_MARK = 918273645
_prefixes: dict[tuple[str, str], tuple[str, str]] = {}


def url_of(name: str, pk: int) -> str:
    """reverse(name, args=[pk]), reversing `name` once per process (and per
    script prefix, which a deployment keeps constant)."""
    key = (name, get_script_prefix())
    parts = _prefixes.get(key)
    if parts is None:
        head, _, tail = reverse(name, args=[_MARK]).partition(str(_MARK))
        parts = _prefixes[key] = (head, tail)
    return f"{parts[0]}{int(pk)}{parts[1]}"


_MONTHS = {number: str(name).title() for number, name in MONTHS_3.items()}
_WEEKDAYS = {number: str(name) for number, name in WEEKDAYS_ABBR.items()}


def local(value: datetime, zone: tzinfo) -> datetime:
    return value.astimezone(zone)


def day_month_year(value: datetime) -> str:
    """The `date:"j M Y"` of an already local datetime."""
    return f"{value.day} {_MONTHS[value.month]} {value.year}"


def day_month(value: datetime) -> str:
    """The `date:"j M"` of an already local datetime."""
    return f"{value.day} {_MONTHS[value.month]}"


def day_month_year_time(value: datetime) -> str:
    """The `date:"j M Y, H:i"` of an already local datetime."""
    return f"{day_month_year(value)}, {value.hour:02d}:{value.minute:02d}"


def weekday_day_month_year(value: datetime) -> str:
    """The `date:"D j M Y"` of an already local datetime."""
    return f"{_WEEKDAYS[value.weekday()]} {value.day} {_MONTHS[value.month]} {value.year}"


def weekday_day_month_time(value: datetime) -> str:
    """The `date:"D j M, H:i"` of an already local datetime."""
    return (
        f"{_WEEKDAYS[value.weekday()]} {value.day} {_MONTHS[value.month]}, "
        f"{value.hour:02d}:{value.minute:02d}"
    )


def bigint_array(numbers) -> str:
    """Ids as a `bigint[]` literal, one parameter of one type whatever how
    many: a prepared statement's text and plan stay the same."""
    return "{" + ",".join(str(int(number)) for number in numbers) + "}"
