"""Reads of sessions and their records, always scoped to the person asking,
one module per feature: sessions, notes (and reviews), calendar, reminders,
billing (what signing bills). The names the rest of the project reads are
re-exported here."""

from sessions_log.selectors.billing import billing_preview, client_day, signed_that_day
from sessions_log.selectors.calendar import calendar_sessions_of, feed_owner
from sessions_log.selectors.notes import (
    NOTES_TO_FINISH_SHOWN,
    note_reviews_visible_to,
    notes_to_finish,
    notes_to_finish_summary,
    notes_visible_to,
    review_queue,
)
from sessions_log.selectors.reminders import (
    reminder_oldest_due,
    reminder_preferences_of,
    reminder_problems,
)
from sessions_log.selectors.sessions import (
    agenda_of,
    agendas_visible_to,
    session_agenda,
    sessions_visible_to,
)

__all__ = [
    "NOTES_TO_FINISH_SHOWN",
    "agenda_of",
    "agendas_visible_to",
    "billing_preview",
    "calendar_sessions_of",
    "client_day",
    "feed_owner",
    "note_reviews_visible_to",
    "notes_to_finish",
    "notes_to_finish_summary",
    "notes_visible_to",
    "reminder_oldest_due",
    "reminder_preferences_of",
    "reminder_problems",
    "review_queue",
    "session_agenda",
    "sessions_visible_to",
    "signed_that_day",
]
