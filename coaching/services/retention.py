"""Retention review (coaching/selectors/retention.py says which records have
passed it): the monthly note to admins, and an admin's confirmation that a
client's record may be destroyed. Destroying it is `manage.py
retention_destroy`'s, run as the tables' owner (coaching/retention_records.py)."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import Role, User
from coaching.selectors.retention import (
    CONFIRMED,
    clients_past_retention,
    past_retention_for_change,
)
from common import emails


def retention_confirm(*, actor: User, client_pk) -> User:
    """The admin confirms that the client's record, past retention, may be
    destroyed: the append-only audit trail keeps who confirmed it and when.
    Http404 if the client is not (or no longer) past retention; confirming
    twice writes one event."""
    with transaction.atomic():
        client = past_retention_for_change(actor, client_pk)
        if not client.audit_events_about.filter(action=CONFIRMED).exists():
            audit_record(actor=actor, action=CONFIRMED, obj=client, client=client)
    return client


def retention_due_notify() -> int:
    """Beat runs this monthly: tell every active admin how many clients'
    records passed retention, with a link to the review page. No names, no
    ids: the page says whose. Returns how many admins were told (none when
    nothing passed). SMTP errors propagate: the task retries."""
    count = clients_past_retention().count()
    if not count:
        return 0
    admins = list(
        User.objects.filter(role=Role.ADMIN, is_active=True)
        .order_by("pk")
        .values_list("email", "language")
    )
    link = settings.SITE_URL + reverse("coaching:retention_review")
    for email, language in admins:
        emails.send(
            template="retention_due",
            to=email,
            language=language,
            context={"app_name": settings.APP_NAME, "count": count, "link": link},
        )
    return len(admins)
