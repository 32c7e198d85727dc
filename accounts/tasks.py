from celery import shared_task
from django.utils import timezone

from accounts.models import LoginSession


@shared_task
def sessions_clear_expired() -> int:
    """Delete expired login sessions (the beat schedule runs this nightly)."""
    deleted, _ = LoginSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
