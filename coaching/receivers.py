"""Where this layer plugs into the one below (sessions_log/hooks.py), which
must not import it: connected from CoachingConfig.ready."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse

from accounts.models import CaseloadAssignment
from coaching import tasks  # noqa: F401 - registers the tasks services queue by name
from coaching.forms.plans import WORDS_FIELD, note_goal_fields
from coaching.selectors.note_goals import note_goal_annotations, note_goal_sql
from coaching.selectors.plans import note_goal_choices, note_goals_shown
from coaching.selectors.trust import checkin_request_is_open
from coaching.services.figures import relationship_figures_start, session_figures_count
from coaching.services.plans import note_goals_set
from coaching.services.trust import checkin_link_issue, checkin_request_open
from sessions_log import hooks
from sessions_log.services.reminders import reminders_plan


@receiver(hooks.session_completed, dispatch_uid="coaching.ask_for_checkin")
def ask_for_checkin(sender, *, session, **kwargs) -> None:
    """A completed session, scheduled or logged afterwards, asks its client
    how it felt, by email too (and once more if unanswered after a few days)."""
    if checkin_request_open(session=session):
        reminders_plan(session=session, change="completed")


def _checkin_link(session) -> str | None:
    token = checkin_link_issue(session=session)
    return reverse("coaching:checkin_by_link", args=[token]) if token else None


hooks.checkin_email_register(still_open=checkin_request_is_open, link=_checkin_link)


# A note records which goals of the client's plan the session worked on.


def _note_goal_fields(note) -> dict:
    goals, chosen = note_goal_choices(note)
    return note_goal_fields(goals, chosen) if goals else {}


def _note_goals_save(*, actor, note, data) -> None:
    if "plan_goals" not in data:
        return  # the form offered no plan goals, or the caller sent none
    note_goals_set(
        actor=actor,
        note=note,
        goals={int(pk): data.get(WORDS_FIELD.format(pk), "") for pk in data["plan_goals"] or []},
    )


hooks.note_goals_register(
    form_fields=_note_goal_fields,
    save=_note_goals_save,
    shown=note_goals_shown,
    with_note=note_goal_annotations,
    with_note_sql=note_goal_sql,
)


# The figures kept for the pages (coaching/services/figures.py): a session
# closed or logged, and a relationship started (in accounts, below us, or
# by a reassignment), in the transaction that wrote them.


@receiver(hooks.session_closed, dispatch_uid="coaching.figures_session")
def count_session(sender, *, session, **kwargs) -> None:
    session_figures_count(session=session)


@receiver(post_save, sender=CaseloadAssignment, dispatch_uid="coaching.figures_relationship")
def start_relationship(sender, *, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        relationship_figures_start(assignment=instance)
