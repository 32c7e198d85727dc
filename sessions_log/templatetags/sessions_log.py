from django import template
from django.utils import timezone

from sessions_log.selectors import notes_to_finish

register = template.Library()


# The oldest few; the rest are a link away, so the home page costs the same
# however far behind a coach is.
SHOWN = 10


@register.inclusion_tag("sessions_log/includes/notes_to_finish.html")
def notes_to_finish_for(coach):
    """The coach's overdue and draft notes, for any page of theirs (their home
    lives in accounts, which must not import this app)."""
    oldest = list(notes_to_finish(coach)[: SHOWN + 1])
    return {
        "notes_to_finish": oldest[:SHOWN],
        "more": len(oldest) > SHOWN,
        "now": timezone.now(),
    }
