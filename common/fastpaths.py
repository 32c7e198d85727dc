"""Helpers for pages that print long tables without per-row overhead: URLs
built from a prefix reversed once per process, and dates formatted in the
viewer's zone without going through the template engine for each cell.

Both give exactly what `{% url %}` and the `date` filter give, month and
day names in the active language."""

from datetime import datetime, tzinfo

from django.urls import get_script_prefix, reverse
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.translation import get_language

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


# Per language: the month names as `date:"M"` prints them, and the
# weekdays' as `date:"D"` does, translated once per process.
_NAMES: dict[str, tuple[dict[int, str], dict[int, str]]] = {}


def _names() -> tuple[dict[int, str], dict[int, str]]:
    language = get_language()
    names = _NAMES.get(language)
    if names is None:
        names = _NAMES[language] = (
            {number: str(name).title() for number, name in MONTHS_3.items()},
            {number: str(name) for number, name in WEEKDAYS_ABBR.items()},
        )
    return names


def local(value: datetime, zone: tzinfo) -> datetime:
    return value.astimezone(zone)


def day_month_year(value: datetime) -> str:
    """The `date:"j M Y"` of an already local datetime."""
    return f"{value.day} {_names()[0][value.month]} {value.year}"


def day_month(value: datetime) -> str:
    """The `date:"j M"` of an already local datetime."""
    return f"{value.day} {_names()[0][value.month]}"


def day_month_year_time(value: datetime) -> str:
    """The `date:"j M Y, H:i"` of an already local datetime."""
    return f"{day_month_year(value)}, {value.hour:02d}:{value.minute:02d}"


def weekday_day_month_year(value: datetime) -> str:
    """The `date:"D j M Y"` of an already local datetime."""
    months, weekdays = _names()
    return f"{weekdays[value.weekday()]} {value.day} {months[value.month]} {value.year}"


def weekday_day_month_time(value: datetime) -> str:
    """The `date:"D j M, H:i"` of an already local datetime."""
    months, weekdays = _names()
    return (
        f"{weekdays[value.weekday()]} {value.day} {months[value.month]}, "
        f"{value.hour:02d}:{value.minute:02d}"
    )


def bigint_array(numbers) -> str:
    """Ids as a `bigint[]` literal, one parameter of one type whatever how
    many: a prepared statement's text and plan stay the same."""
    return "{" + ",".join(str(int(number)) for number in numbers) + "}"
