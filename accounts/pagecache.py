"""Rendered page content kept until the records it shows change.

A page whose figures are costly wraps its content in `{% cache fresh.seconds
"content" fresh.key %}` and hands the template its data as `later(...)`
values, which run only when the content is rendered. The key holds:

- the viewer's session (so a form's CSRF token stays theirs and valid, and
  nobody else ever gets the content);
- their time zone and the current minute (figures like "overdue" or "no
  contact for 14 days" move with the clock);
- the newest change to the records of the viewer and of the people the page
  shows (accounts.RecordChange, written by triggers in the writer's own
  transaction), so any write is seen on the next request;
- the path and query string.

What a page's people do not cover (say, the new name of a coach a client
worked with years ago) shows within the minute.

The content lives in each process's memory (settings: the
"template_fragments" cache), not in a shared store.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.selectors import records_stamp


@dataclass(frozen=True)
class Fresh:
    key: str
    seconds: int


def fresh(request, people: Q) -> Fresh:
    """The cache key of a page's content showing the records of `people`."""
    count, newest = records_stamp(people | Q(pk=request.user.pk))
    minute = timezone.now().replace(second=0, microsecond=0)
    parts = (
        request.method,
        request.session.session_key or "",
        timezone.get_current_timezone_name(),
        minute.isoformat(),
        count,
        newest,
        request.get_full_path(),
    )
    # A page answering a POST (a form with its errors) is never kept.
    seconds = settings.PAGE_CACHE_SECONDS if request.method == "GET" else 0
    return Fresh(key="|".join(str(part) for part in parts), seconds=seconds)


def later(compute: Callable[[], Any]) -> Any:
    """A value (a list, a dict, an object) computed the first time the
    page's content uses it, at most once: on a cached page, never."""
    return SimpleLazyObject(compute)
