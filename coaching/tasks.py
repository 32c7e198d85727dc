"""Celery tasks for check-ins: thin, they call the services."""

from celery import shared_task

from coaching.services import trust as services


@shared_task
def checkin_requests_expire() -> int:
    """Beat runs this every 15 minutes: count expired check-in requests and
    flag three unanswered in a row."""
    return services.checkin_requests_expire()
