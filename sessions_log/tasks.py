"""Celery tasks for reminders: thin, they take ids and call the services."""

from celery import shared_task

from sessions_log.services import outbox


@shared_task
def reminders_sweep() -> int:
    """Beat runs this every minute: queue a send task per due reminder."""
    return outbox.reminders_sweep()


@shared_task
def reminder_send(reminder_id: int, lease_token: str) -> str:
    """Send one reminder if this task still holds its lease."""
    return outbox.reminder_deliver(reminder_id=reminder_id, lease_token=lease_token)
