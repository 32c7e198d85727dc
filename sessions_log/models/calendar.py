"""Private calendar feed links."""

from django.db import models
from django.utils import timezone

from accounts.models import User


class CalendarFeed(models.Model):
    """A person's private iCal feed link. Only a digest of the token is kept;
    a new link replaces (revokes) the old one."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
