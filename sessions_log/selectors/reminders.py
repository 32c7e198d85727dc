"""Reads of reminders: people's email choices, the admins' failed
deliveries (emails and texts), the oldest reminder waiting (for the health
page)."""

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.audit import audit_clients_shown
from accounts.models import User
from accounts.policy.records import reminder_problem_scope
from sessions_log.models import Reminder, ReminderPreference, TextMessage


def reminder_preferences_of(users: list[User]) -> dict[int, ReminderPreference]:
    """Each person's email choices, by user id; the defaults where they made none."""
    stored = {pref.user_id: pref for pref in ReminderPreference.objects.filter(user__in=users)}
    return {user.pk: stored.get(user.pk) or ReminderPreference.defaults_for(user) for user in users}


def reminder_problems(user: User) -> QuerySet[Reminder]:
    """Failed and expired deliveries, newest first: for admins only. A
    text's row carries what the provider last said of its text
    (`text_status`, `text_error_code`), in the same query whatever the
    number of rows; never the number it went to."""
    last_text = TextMessage.objects.filter(reminder=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        Reminder.objects.filter(
            reminder_problem_scope(user),
            status__in=[Reminder.Status.FAILED, Reminder.Status.EXPIRED],
        )
        .select_related("recipient", "session")
        .annotate(
            text_status=Subquery(last_text.values("status")[:1]),
            text_error_code=Subquery(last_text.values("error_code")[:1]),
        )
        .order_by("-updated_at", "-pk")
    )


def reminder_problems_page_for_viewing(user: User, number) -> Page:
    """Page `number` of the failed and expired deliveries; the clients whose
    sessions they were about are audited ("reminder_problems.list", one
    event each, one query): the page shows whom the email was for."""
    page = Paginator(reminder_problems(user), 50).get_page(number)
    audit_clients_shown(
        actor=user, shown=[("reminder_problems.list", [r.session for r in page.object_list])]
    )
    return page


def reminder_oldest_due() -> datetime | None:
    """The planned time of the oldest reminder that is due and not yet sent."""
    return (
        Reminder.objects.filter(
            status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING],
            due_at__lte=timezone.now(),
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
