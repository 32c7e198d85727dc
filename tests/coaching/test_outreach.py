"""Outreach: logging attempts and setting contact preferences (bad input
refused with nothing changed), "no successful contact for N days", and the
daily task that flags a client nobody has reached for OUTREACH_FLAG_DAYS."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching import tasks
from coaching.models import ContactPreferences, OutreachAttempt, TrustFlag
from coaching.selectors.outreach import (
    clients_without_contact,
    no_contact_counts_by_coach,
    outreach_by_client,
)
from coaching.services.episodes import episode_discharge
from coaching.services.outreach import (
    contact_preferences_set,
    outreach_attempt_log,
    outreach_flags_raise,
)
from coaching.services.trust import flag_resolve
from tests.coaching.test_episodes import admit
from tests.conftest import make_user
from tests.helpers import past_contact


def _state():
    return (
        list(OutreachAttempt.objects.values()),
        list(ContactPreferences.objects.values()),
        AuditEvent.objects.filter(action__startswith="outreach.").count(),
    )


def attempt(coach, client, outcome="no_answer", *, days_ago=0, channel="phone"):
    logged = outreach_attempt_log(actor=coach, client=client, channel=channel, outcome=outcome)
    OutreachAttempt.objects.filter(pk=logged.pk).update(
        at=timezone.now() - timedelta(days=days_ago)
    )
    return logged


def started(client, days_ago):
    CaseloadAssignment.objects.filter(client=client).update(
        started_at=timezone.now() - timedelta(days=days_ago)
    )


# ------------------------------------------------------------------ services


@pytest.mark.django_db
def test_it_logs_an_attempt_and_audits_it(coach, client_user):
    logged = outreach_attempt_log(
        actor=coach, client=client_user, channel="text", outcome="left_message"
    )
    assert (logged.coach, logged.channel, logged.outcome) == (coach, "text", "left_message")
    assert AuditEvent.objects.filter(action="outreach.attempt", client=client_user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("channel", "outcome", "field"),
    [("pigeon", "reached", "channel"), ("phone", "maybe", "outcome"), ("", "", "channel")],
)
def test_a_channel_or_outcome_not_in_the_list_is_refused(
    coach, client_user, channel, outcome, field
):
    before = _state()
    with pytest.raises(ValidationError) as error:
        outreach_attempt_log(actor=coach, client=client_user, channel=channel, outcome=outcome)
    assert field in error.value.error_dict
    assert _state() == before


@pytest.mark.django_db
def test_only_the_clients_coach_logs_and_sets_preferences(
    coach, client_user, supervisor, other_coach, admin_user
):
    before = _state()
    for person in (supervisor, other_coach, admin_user, client_user):
        with pytest.raises(PermissionDenied):
            outreach_attempt_log(
                actor=person, client=client_user, channel="phone", outcome="reached"
            )
        with pytest.raises(PermissionDenied):
            contact_preferences_set(
                actor=person,
                client=client_user,
                preferred_channels=["text"],
                ok_to_text=True,
                ok_to_voicemail=True,
                ok_to_email=True,
            )
    assert _state() == before


@pytest.mark.django_db
def test_preferences_are_set_and_changed_with_the_client(coach, client_user):
    contact_preferences_set(
        actor=coach,
        client=client_user,
        preferred_channels=["text", "phone", "text"],
        ok_to_text=True,
        ok_to_voicemail=False,
        ok_to_email=False,
    )
    contact_preferences_set(
        actor=coach,
        client=client_user,
        preferred_channels=["email"],
        ok_to_text=False,
        ok_to_voicemail=False,
        ok_to_email=True,
    )
    preferences = ContactPreferences.objects.get()
    assert preferences.preferred_channels == ["email"]
    assert (preferences.ok_to_text, preferences.ok_to_email) == (False, True)
    assert AuditEvent.objects.filter(action="outreach.preferences").count() == 2
    before = _state()
    with pytest.raises(ValidationError):
        contact_preferences_set(
            actor=coach,
            client=client_user,
            preferred_channels=["fax"],
            ok_to_text=True,
            ok_to_voicemail=True,
            ok_to_email=True,
        )
    assert _state() == before


# ------------------------------------------------------------------ selectors


@pytest.mark.django_db
def test_only_successful_contacts_count_and_attempts_since_are_shown(
    django_assert_num_queries, coach, client_user, supervisor
):
    started(client_user, 90)
    never = make_user("never@example.org", Role.CLIENT)
    CaseloadAssignment.objects.create(coach=coach, client=never)
    attempt(coach, client_user, "reached", days_ago=40)
    attempt(coach, client_user, "left_message", days_ago=30)
    attempt(coach, client_user, "no_answer", days_ago=20)
    attempt(coach, never, "wrong_number", days_ago=1)
    with django_assert_num_queries(1):
        found = outreach_by_client(supervisor, [client_user.pk, never.pk])
    assert found[client_user.pk]["days"] == 40
    assert found[client_user.pk]["attempts_since"] == 2
    assert found[never.pk] == {"last_contact_at": None, "days": None, "attempts_since": 1}
    # A completed session is a successful contact too.
    past_contact(coach, client_user, timedelta(days=5))
    assert outreach_by_client(coach, [client_user.pk])[client_user.pk]["days"] == 5
    assert outreach_by_client(coach, [client_user.pk])[client_user.pk]["attempts_since"] == 0


@pytest.mark.django_db
def test_clients_without_contact_and_their_count_per_coach(
    django_assert_num_queries, coach, client_user, supervisor, other_coach, other_client
):
    started(client_user, 90)
    started(other_client, 90)
    recent = make_user("recent@example.org", Role.CLIENT)
    CaseloadAssignment.objects.create(coach=coach, client=recent)  # started today
    discharged = make_user("discharged@example.org", Role.CLIENT)
    CaseloadAssignment.objects.create(
        coach=coach, client=discharged, started_at=timezone.now() - timedelta(days=90)
    )
    admit(coach, discharged, days_ago=80)
    episode_discharge(
        actor=coach, client=discharged, discharge_date=timezone.localdate(), reason="goals_met"
    )
    attempt(coach, client_user, "reached", days_ago=20)
    rows = list(clients_without_contact(supervisor))
    assert [(row.client, row.last_contact_at is not None) for row in rows] == [(client_user, True)]
    assert clients_without_contact(supervisor, days=30).count() == 0
    with django_assert_num_queries(1):
        counts = no_contact_counts_by_coach(supervisor, [coach.pk, other_coach.pk])
    assert counts == {coach.pk: 1, other_coach.pk: 0}  # not the other team's


# ------------------------------------------------------------------ the flag


@pytest.mark.django_db
def test_the_flag_is_raised_once_for_a_client_nobody_reached(coach, client_user, supervisor):
    started(client_user, 60)
    attempt(coach, client_user, "reached", days_ago=31)
    attempt(coach, client_user, "no_answer", days_ago=10)
    assert tasks.outreach_flags_raise() == 1  # the task, as beat runs it
    flag = TrustFlag.objects.get()
    assert (flag.rule, flag.client, flag.coach) == ("no_contact", client_user, coach)
    assert flag.detail == "No successful contact for 31 days; 1 attempts since"
    assert AuditEvent.objects.filter(action="trust_flag.raise", client=client_user).count() == 1
    # Idempotent: run again (the next day too), no second flag...
    assert outreach_flags_raise() == 0
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert outreach_flags_raise() == 0
    # ...not even once a supervisor resolved it, for the same silence.
    flag_resolve(actor=supervisor, flag=flag, note="Sent a letter")
    assert outreach_flags_raise() == 0
    assert TrustFlag.objects.count() == 1
    # Reached, then silent for 30 days again: a new flag.
    attempt(coach, client_user, "reached", days_ago=0)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert outreach_flags_raise() == 1
    assert TrustFlag.objects.count() == 2


@pytest.mark.django_db
def test_no_flag_for_clients_reached_recently_or_discharged(coach, client_user, other_client):
    started(client_user, 60)
    started(other_client, 60)
    attempt(coach, client_user, "reached", days_ago=29)
    past_contact(coach, client_user, timedelta(days=40))
    admit(other_client.coach_assignments.get().coach, other_client, days_ago=50)
    episode_discharge(
        actor=other_client.coach_assignments.get().coach,
        client=other_client,
        discharge_date=timezone.localdate(),
        reason="declined",
    )
    assert outreach_flags_raise() == 0
    assert not TrustFlag.objects.exists()


@pytest.mark.django_db
def test_a_client_never_reached_is_flagged_from_the_start_of_the_coaching(coach, client_user):
    started(client_user, 29)
    assert outreach_flags_raise() == 0
    started(client_user, 31)
    attempt(coach, client_user, "no_answer", days_ago=3)
    assert outreach_flags_raise() == 1
    assert TrustFlag.objects.get().detail == (
        "Never reached since the coaching started 31 days ago; 1 attempts since"
    )
    assert outreach_flags_raise() == 0


@pytest.mark.django_db
def test_the_flag_task_runs_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outreach-flags-raise"]
    assert entry["task"] == "coaching.tasks.outreach_flags_raise"
    assert settings.OUTREACH_FLAG_DAYS == 30
