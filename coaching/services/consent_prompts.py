"""Telling people about consents, in neutral words (anyone may read an email
over its recipient's shoulder: no recipient, purpose or kind of record).

- A consent prepared for a client waits for their signature: after the
  transaction commits, a task (queued by name, on the reminder workers'
  queue, as the supervisor request's) emails the client "A form is waiting
  for you" with a link to sign in; their home shows it too
  (coaching.selectors.consents.consents_waiting_for).
- A consent that ends on an event (not a date) never lapses by itself:
  beat runs consent_events_prompt monthly (settings.CELERY_BEAT_SCHEDULE),
  emailing each coach a link to the consents page of every client of theirs
  with one still in force, until staff end it (consent_end).
"""

from collections import defaultdict

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse

from accounts.models import CaseloadAssignment, Role
from coaching.celery import app
from coaching.models import Consent
from common import emails

# Queued by name: coaching/tasks.py imports this module for the work itself.
CONSENT_WAITING_TASK = "coaching.tasks.consent_waiting_notify"


def consent_waiting_announce(consent_id: int) -> None:
    """Queue the email; call it through transaction.on_commit."""
    app.signature(CONSENT_WAITING_TASK).apply_async((consent_id,), queue=settings.REMINDER_QUEUE)


def consent_waiting_notify(*, consent_id: int) -> bool:
    """Email the client that a form waits for them, if it still does (not
    signed, withdrawn or gone meanwhile) and their account is active.
    Returns whether an email went. SMTP errors propagate: the task retries."""
    consent = (
        Consent.objects.select_related("client")
        .filter(pk=consent_id, signed_at__isnull=True, client__is_active=True)
        .first()
    )
    if consent is None:
        return False
    emails.send(
        template="consent_waiting",
        to=consent.client.email,
        language=consent.client.language,
        context={
            "app_name": settings.APP_NAME,
            "link": settings.SITE_URL + reverse("coaching:client_home"),
        },
    )
    return True


def consent_events_prompt() -> int:
    """Ask each active coach, by email, to check whether the event has
    happened for every client of theirs (now) with a signed consent that
    ends on an event and has not ended. Returns how many coaches were asked.
    SMTP errors propagate: the task retries, and a coach may then be asked
    twice that month."""
    waiting = Consent.objects.filter(
        client_id=OuterRef("client_id"),
        signed_at__isnull=False,
        revoked_at__isnull=True,
        ends_on__isnull=True,
    )
    assignments = (
        CaseloadAssignment.objects.filter(
            Exists(waiting),
            ended_at__isnull=True,
            coach__is_active=True,
            coach__role=Role.COACH,
        )
        .order_by("coach_id", "client_id")
        .values_list("coach__email", "coach__language", "client_id")
    )
    clients_of = defaultdict(list)
    for email, language, client_id in assignments:
        clients_of[email, language].append(client_id)
    for (email, language), client_ids in clients_of.items():
        links = [
            settings.SITE_URL + reverse("coaching:client_consents", args=[client_id])
            for client_id in client_ids
        ]
        emails.send(
            template="consent_event_check",
            to=email,
            language=language,
            context={"app_name": settings.APP_NAME, "links": links},
        )
    return len(clients_of)
