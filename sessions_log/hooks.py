"""What this layer tells the one above it (coaching), which it must not import.

Imports flow one way, accounts <- sessions_log <- coaching. Two things that
happen here matter up there, so coaching plugs into them from its
AppConfig.ready:

- `session_completed` is sent inside the transaction that completes a
  session: the layer above asks the client for a trust check-in there.
- `checkin_email` is what the outbox needs to send that ask: whether it is
  still open, and a fresh link to answer it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.dispatch import Signal

# Sent with `session=` (a locked Session row) by the service that completes it.
session_completed = Signal()


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
