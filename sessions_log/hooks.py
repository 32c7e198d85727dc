"""What this layer tells the one above it (coaching), which it must not import.

Imports flow one way, accounts <- sessions_log <- coaching. Two things that
happen here matter up there, so coaching plugs into them from its
AppConfig.ready:

- `session_completed` is sent inside the transaction that completes a
  session: the layer above asks the client for a trust check-in there.
- `session_closed` is sent inside the transaction that closes a session
  (completed or no-show) or logs a past one: the layer above keeps its
  figures (coaching/services/figures.py).
- `checkin_email` is what the outbox needs to send that ask: whether it is
  still open, and a fresh link to answer it.
- `note_goals` lets a note record which goals of the client's recovery plan
  the session worked on: extra fields for the note form, saved with the
  draft, and what a note shows of them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.dispatch import Signal

# Sent with `session=` (a locked Session row) by the service that completes it.
session_completed = Signal()

# Sent with `session=` (its status just set) by the services that close or log one.
session_closed = Signal()


@dataclass
class CheckinEmail:
    # Whether the check-in a session's email asks for can still be answered.
    still_open: Callable[..., bool]
    # A fresh single-use path to answer it, or None when there is nothing to answer.
    link: Callable[..., str | None]


def _nothing_to_ask(session) -> bool:
    return False


def _no_link(session) -> str | None:
    return None


# Until the layer above registers, there is never a check-in to ask for.
checkin_email = CheckinEmail(still_open=_nothing_to_ask, link=_no_link)


def checkin_email_register(*, still_open: Callable[..., bool], link: Callable[..., str | None]):
    checkin_email.still_open, checkin_email.link = still_open, link


@dataclass
class NoteGoals:
    # Extra fields for a draft note's form, each with its initial value:
    # (note) -> {name: django.forms.Field}.
    form_fields: Callable[..., dict]
    # Save what those fields say, inside the transaction that saves the
    # draft, only when the fields were posted: (*, actor, note, data) -> None.
    save: Callable[..., None]
    # What the note shows of them to `viewer`: (note, viewer) -> [(label, words)].
    shown: Callable[..., list]
    # Annotations for a Note queryset that read what form_fields and save
    # need with the note itself (the reference of the autosave's locked
    # read): () -> {name: expression}.
    with_note: Callable[..., dict]
    # The same as SQL expressions over the note `n` and its session `s`, for
    # the autosave's static statement (selectors/note_draft_sql.py):
    # () -> {name: SQL text}; each read back as with_note's would be.
    with_note_sql: Callable[..., dict]


def _no_fields(note) -> dict:
    return {}


def _nothing_to_save(*, actor, note, data) -> None:
    return None


def _nothing_shown(note, viewer) -> list:
    return []


def _nothing_read() -> dict:
    return {}


# Until the layer above registers, a note records no plan goals.
note_goals = NoteGoals(
    form_fields=_no_fields,
    save=_nothing_to_save,
    shown=_nothing_shown,
    with_note=_nothing_read,
    with_note_sql=_nothing_read,
)


def note_goals_register(
    *,
    form_fields: Callable[..., dict],
    save: Callable[..., None],
    shown: Callable[..., list],
    with_note: Callable[..., dict] = _nothing_read,
    with_note_sql: Callable[..., dict] = _nothing_read,
):
    note_goals.form_fields, note_goals.save, note_goals.shown = form_fields, save, shown
    note_goals.with_note, note_goals.with_note_sql = with_note, with_note_sql
