"""Demo trust check-ins: Robin's, the last one flagging."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from coaching.models import ITEM_NAMES, CheckIn
from coaching.services.trust import checkin_submit


def seed():
    """Robin's check-ins over the past weeks, the last one a drop below
    their usual that flags for Casey and Sam."""
    client = User.objects.get(email="robin@demo.test")
    if CheckIn.objects.filter(client=client).exists():
        return
    history = [(4, 9), (3, 9), (2, 10), (0, 7)]  # (weeks ago, answer to every item)
    for weeks, value in history:
        checkin = checkin_submit(
            client=client,
            answers={name: value for name in ITEM_NAMES},
            comment="Good to have someone who gets it." if weeks == 2 else "",
        )
        # Back-date it, as if it had been sent then (this also reopens the
        # weekly allowance for the next one).
        CheckIn.objects.filter(pk=checkin.pk).update(
            created_at=timezone.now() - timedelta(weeks=weeks, hours=1)
        )
