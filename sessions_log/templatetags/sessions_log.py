from django import template
from django.utils import timezone

from sessions_log.selectors import notes_to_finish

register = template.Library()


@register.inclusion_tag("sessions_log/includes/notes_to_finish.html")
def notes_to_finish_for(coach):
    """The coach's overdue and draft notes, for any page of theirs (their home
    lives in accounts, which must not import this app)."""
    return {"notes_to_finish": notes_to_finish(coach), "now": timezone.now()}
