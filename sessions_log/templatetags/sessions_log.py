from django import template
from django.utils import timezone

from accounts.paging import page_of
from sessions_log.selectors import notes_to_finish

register = template.Library()


# The oldest few; the rest are a link away, so the home page costs the same
# however far behind a coach is.
SHOWN = 10


@register.inclusion_tag("sessions_log/includes/notes_to_finish.html")
def notes_to_finish_for(coach):
    """The coach's overdue and draft notes, for any page of theirs (their home
    lives in accounts, which must not import this app)."""
    oldest = page_of(notes_to_finish(coach), 1, SHOWN)
    return {"notes_to_finish": oldest.object_list, "more": oldest.has_next, "now": timezone.now()}
