"""Celery tasks for check-ins: thin, they call the services."""

import smtplib

from celery import shared_task

from coaching.services import consent_prompts, figures, retention
from coaching.services import trust as services
from coaching.services.outreach import outreach_flags_raise as raise_flags


# coaching/services/trust.py queues it by this name (SUPERVISOR_REQUEST_TASK).
@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=10,
)
def supervisor_request_notify(request_id: int) -> list[str]:
    """Queued when a client asks privately to talk with a supervisor."""
    return services.supervisor_request_notify(request_id=request_id)


@shared_task
def checkin_requests_expire() -> int:
    """Beat runs this every 15 minutes: count expired check-in requests and
    flag three unanswered in a row."""
    return services.checkin_requests_expire()


@shared_task
def outreach_flags_raise() -> int:
    """Beat runs this daily: flag clients nobody has reached for
    OUTREACH_FLAG_DAYS (coaching/services/outreach.py)."""
    return raise_flags()


# coaching/services/consent_prompts.py queues it by this name (CONSENT_WAITING_TASK).
@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=10,
)
def consent_waiting_notify(consent_id: int) -> bool:
    """Queued when staff prepare a consent: tell the client a form waits."""
    return consent_prompts.consent_waiting_notify(consent_id=consent_id)


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=300, max_retries=5)
def consent_events_prompt() -> int:
    """Beat runs this monthly: ask coaches to check event-based consents."""
    return consent_prompts.consent_events_prompt()


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=300, max_retries=5)
def retention_due_notify() -> int:
    """Beat runs this monthly: tell admins how many records passed retention."""
    return retention.retention_due_notify()


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=300, max_retries=5)
def figures_check() -> dict:
    """Beat runs this nightly: compare the kept figures with history, repair
    any that drifted and tell admins how many (coaching/services/figures.py)."""
    repaired = figures.figures_check()
    return {
        "coach_days": repaired.coach_days,
        "relationships": repaired.relationships,
        "note_counts": repaired.note_counts,
    }
