"""The check-in's one write (coaching/services/trust_sql.py): what it does
when what was read with the lock is out of date by the time it runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from coaching.models import CheckIn, CoachDayFigures, TrustFlag
from coaching.services.trust import checkin_submit
from coaching.services.trust_sql import checkin_write
from tests.helpers import GOOD, LOW


def _write(client_user, **extra):
    assignment = CaseloadAssignment.objects.get(client=client_user, ended_at__isnull=True)
    return checkin_write(
        client=client_user,
        assignment_id=assignment.pk,
        coach_id=assignment.coach_id,
        values=list(GOOD.values()),
        comment="",
        now=timezone.now(),
        **extra,
    )


def _figures():
    return list(CoachDayFigures.objects.values_list("checkins", "checkin_score_sum"))


@pytest.mark.django_db
def test_a_second_check_in_within_the_week_that_got_past_the_read_is_refused_by_the_write(
    client_user,
):
    """Another request's check-in committed while this one waited for the
    lock: the write sees it and writes nothing (no check-in, no figure, no
    audit row), and says when the last one was."""
    first = checkin_submit(client=client_user, answers=GOOD)
    figures, events = _figures(), AuditEvent.objects.count()
    written = _write(client_user)
    assert written.checkin is None and written.last == first.created_at
    assert CheckIn.objects.filter(client=client_user).count() == 1
    assert _figures() == figures and AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_check_in_a_week_after_the_last_is_written_with_its_figures(client_user):
    first = checkin_submit(client=client_user, answers=GOOD)
    CheckIn.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=8))
    written = _write(client_user)
    assert written.checkin.score == 88
    assert CheckIn.objects.filter(client=client_user).count() == 2
    assert sum(checkins for checkins, _ in _figures()) == 2


@pytest.mark.django_db
def test_a_rule_whose_flag_is_still_open_raises_no_second_flag_nor_its_audit_row(client_user):
    low = checkin_submit(client=client_user, answers=LOW)
    CheckIn.objects.filter(pk=low.pk).update(created_at=timezone.now() - timedelta(days=8))
    flags = TrustFlag.objects.filter(client=client_user, rule="low_score").count()
    raised = AuditEvent.objects.filter(action="trust_flag.raise").count()
    assert flags == 1
    written = _write(client_user, flags=[("low_score", "score 60"), ("drop", "20 below usual")])
    assert written.checkin is not None
    assert TrustFlag.objects.get(checkin_id=written.checkin.pk).rule == "drop"
    assert TrustFlag.objects.filter(client=client_user, rule="low_score").count() == 1
    assert AuditEvent.objects.filter(action="trust_flag.raise").count() == raised + 1
