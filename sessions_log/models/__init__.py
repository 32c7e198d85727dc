"""The records of sessions, one module per feature: billing (the lists a
claim is built from), sessions, notes (with addenda and reviews), calendar
(private feed links) reminders (the outbox and people's choices) and texts (numbers, consent,
what the provider said).
Django finds the models here; the rest of the project imports them from
`sessions_log.models`."""

from sessions_log.models.billing import FundingProgramme, PlaceType, ServiceCode
from sessions_log.models.calendar import CalendarFeed
from sessions_log.models.notes import Addendum, CoachNoteCounts, Note, NoteReview, ServiceType

# Migration 0006 names the quiet hours' defaults by this module's path.
from sessions_log.models.reminders import (  # noqa: F401
    PREFERENCE_KINDS,
    Reminder,
    ReminderPreference,
    _default_quiet_end,
    _default_quiet_start,
)
from sessions_log.models.sessions import (
    MAX_DURATION,
    MAX_MINUTES_SPENT,
    MIN_DURATION,
    Session,
    SessionGroup,
    TsTzRange,
)
from sessions_log.models.texts import (
    TextLink,
    TextMessage,
    TextNumber,
    TextWebhook,
    number_digest,
    number_digests,
)

__all__ = [
    "MAX_DURATION",
    "MAX_MINUTES_SPENT",
    "MIN_DURATION",
    "PREFERENCE_KINDS",
    "Addendum",
    "CalendarFeed",
    "CoachNoteCounts",
    "FundingProgramme",
    "Note",
    "NoteReview",
    "PlaceType",
    "Reminder",
    "ReminderPreference",
    "ServiceCode",
    "ServiceType",
    "Session",
    "SessionGroup",
    "TextLink",
    "TextMessage",
    "TextNumber",
    "TextWebhook",
    "TsTzRange",
    "number_digest",
    "number_digests",
]
