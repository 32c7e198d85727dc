"""Reads of text-message numbers: who gets texts, and a person's own number."""

from common import sms
from sessions_log.models import TextNumber


def text_receivers(user_ids) -> set[int]:
    """Which of these people get texts now: a confirmed number, not stopped,
    not failed, and the channel on. One query (text_number_active_idx)."""
    if not sms.enabled():
        return set()
    return set(
        TextNumber.objects.filter(
            user_id__in=list(user_ids),
            verified_at__isnull=False,
            stopped_at__isnull=True,
            failed_at__isnull=True,
        ).values_list("user_id", flat=True)
    )


def text_number_of(user) -> TextNumber | None:
    """The person's own number and its state, or None: only for them."""
    return TextNumber.objects.filter(user=user).first()
