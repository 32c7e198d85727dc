from celery import shared_task
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import RecordChange


@shared_task
def sessions_clear_expired() -> int:
    """Delete expired login sessions (the beat schedule runs this nightly)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def record_changes_prune() -> int:
    """Delete the record changes that are nobody's newest (the beat schedule
    runs this hourly): pages key their content by each person's newest only."""
    newer = RecordChange.objects.filter(person_id=OuterRef("person_id"), pk__gt=OuterRef("pk"))
    deleted, _ = RecordChange.objects.filter(Exists(newer)).delete()
    return deleted
