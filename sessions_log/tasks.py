"""Celery tasks for reminders and texts: thin, they take ids and call the services."""

import smtplib
from collections import Counter

from celery import shared_task

from sessions_log.services import outbox, text_webhooks, texts


@shared_task
def reminders_sweep() -> int:
    """Beat runs this every minute: queue send tasks for the due reminders."""
    return outbox.reminders_sweep()


@shared_task(name=outbox.REMINDERS_SEND)
def reminders_send(reminder_ids: list[int], lease_token: str) -> dict[str, int]:
    """Send a batch of reminders, those this task still holds the lease of.
    Returns how many rows ended in each status (for the worker's log)."""
    statuses = outbox.reminders_deliver(reminder_ids=reminder_ids, lease_token=lease_token)
    return dict(Counter(statuses.values()))


@shared_task
def reminder_send(reminder_id: int, lease_token: str) -> str:
    """One reminder: what sweeps queued before batches (tasks still in Redis
    at a deploy). Nothing queues it any more."""
    return outbox.reminder_deliver(reminder_id=reminder_id, lease_token=lease_token)


# sessions_log/services/text_webhooks.py queues it by this name (TEXT_NUMBER_FAILED_EMAIL).
@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=10,
)
def text_number_failed_email(text_number_id: int) -> bool:
    """Queued when a number is found dead: tell its owner texts stopped."""
    return text_webhooks.text_number_failed_email_send(text_number_id=text_number_id)


@shared_task(name=texts.CODE_TASK)
def text_code_send(text_number_id: int) -> str:
    """Text a client the code that confirms their number: queued when they
    give it or ask for a new code. The code is made there, never queued."""
    return texts.text_code_deliver(text_number_id=text_number_id)
