"""Which records have passed retention, the admins' monthly note, and the
admin's confirmation (coaching/selectors/retention.py,
coaching/services/retention.py). HIPAA keeps documentation 6 years from its
creation or the date it was last in effect (45 CFR 164.316(b)(2)(i))."""

import runpy
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from coaching.models import Episode, ReferralSource
from coaching.selectors.retention import CONFIRMED, clients_past_retention
from coaching.services.retention import retention_confirm, retention_due_notify
from coaching.tasks import retention_due_notify as retention_due_task
from tests.conftest import wait_until
from tests.helpers import count_queries, past_contact, retention_passed, text_body

RULES = Path(__file__).resolve().parents[2] / "coaching" / "settings" / "rules.py"


_past = retention_passed


# ------------------------------------------------------------------- selector


@pytest.mark.django_db
def test_a_record_last_in_effect_six_years_and_a_day_ago_has_passed_retention(client_user):
    """45 CFR 164.316(b)(2)(i): six years from the date last in effect."""
    _past(client_user, days=1)
    (row,) = clients_past_retention()
    assert row == client_user
    assert row.last_effective == timezone.localdate() - relativedelta(years=6) - timedelta(days=1)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, -1])
def test_a_record_last_in_effect_six_years_ago_or_less_is_kept(client_user, days):
    """45 CFR 164.316(b)(2)(i): exactly six years, or six years minus a day: kept."""
    _past(client_user, days=days)
    assert list(clients_past_retention()) == []


@pytest.mark.django_db
def test_an_open_relationship_or_episode_keeps_the_record(client_user, coach, other_client):
    _past(client_user)
    CaseloadAssignment.objects.create(coach=coach, client=client_user)
    assert list(clients_past_retention()) == []
    CaseloadAssignment.objects.filter(client=client_user, ended_at__isnull=True).delete()
    Episode.objects.create(
        client=client_user,
        intake_date=timezone.localdate() - timedelta(days=3000),
        referral_source=ReferralSource.objects.get_or_create(name="Self")[0],
        opened_by=coach,
    )
    assert list(clients_past_retention()) == []


@pytest.mark.django_db
def test_a_later_session_or_discharge_moves_the_last_effective_date(client_user, coach):
    session = past_contact(coach, client_user, timedelta(days=365 * 6 - 30))
    _past(client_user)
    assert list(clients_past_retention()) == []
    later = timezone.localdate() + relativedelta(years=1)
    (row,) = clients_past_retention(today=later)
    assert row.last_effective == session.starts_at.astimezone(UTC).date()
    # An episode discharged later still: its discharge date counts.
    Episode.objects.create(
        client=client_user,
        intake_date=timezone.localdate() - timedelta(days=400),
        referral_source=ReferralSource.objects.get_or_create(name="Self")[0],
        opened_by=coach,
        discharge_date=timezone.localdate() - timedelta(days=2),
        discharge_reason="moved",
        discharged_by=coach,
        discharged_at=timezone.now(),
    )
    assert list(clients_past_retention(today=later)) == []


@pytest.mark.django_db
def test_the_selector_is_one_query_whatever_the_number_of_clients(coach, client_user):
    _past(client_user)
    queries, rows = count_queries(lambda: list(clients_past_retention()))
    assert (queries, len(rows)) == (1, 1)


@pytest.mark.django_db
def test_a_longer_period_from_the_environment_keeps_records_longer(client_user, settings):
    _past(client_user, years=7)
    settings.RETENTION_YEARS = {"client_record": 8, "audit_trail": 6}
    assert list(clients_past_retention()) == []


# ------------------------------------------------------------------- settings


def _rules(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(RULES))


def test_retention_is_six_years_unless_set_longer(monkeypatch):
    """45 CFR 164.316(b)(2)(i): 6 years by default; a state may ask longer."""
    assert settings.RETENTION_YEARS == {"client_record": 6, "audit_trail": 6}
    read = _rules(monkeypatch, RETENTION_CLIENT_RECORD_YEARS="10")
    assert read["RETENTION_YEARS"] == {"client_record": 10, "audit_trail": 6}


@pytest.mark.parametrize("name", ["RETENTION_CLIENT_RECORD_YEARS", "RETENTION_AUDIT_TRAIL_YEARS"])
def test_start_up_refuses_a_retention_shorter_than_six_years(monkeypatch, name):
    """45 CFR 164.316(b)(2)(i): never shorter than 6 years."""
    with pytest.raises(ImproperlyConfigured, match=f"{name} is 5.*at least 6 years"):
        _rules(monkeypatch, **{name: "5"})


# ------------------------------------------------------------ confirmation


@pytest.mark.django_db
def test_an_admin_confirms_once_and_the_audit_trail_says_who(admin_user, client_user):
    _past(client_user)
    retention_confirm(actor=admin_user, client_pk=client_user.pk)
    retention_confirm(actor=admin_user, client_pk=client_user.pk)
    (event,) = AuditEvent.objects.filter(action=CONFIRMED)
    assert (event.actor, event.client) == (admin_user, client_user)


@pytest.mark.django_db
def test_a_record_not_past_retention_cannot_be_confirmed(admin_user, coach, client_user):
    _past(client_user, days=-1)
    with pytest.raises(Http404):
        retention_confirm(actor=admin_user, client_pk=client_user.pk)
    _past(client_user)
    with pytest.raises(Http404):  # not an admin
        retention_confirm(actor=coach, client_pk=client_user.pk)
    assert not AuditEvent.objects.filter(action=CONFIRMED).exists()


# --------------------------------------------------------------- the job


@pytest.mark.django_db
def test_admins_are_told_how_many_records_passed_without_a_name(
    admin_user, client_user, other_client, mailbox
):
    _past(client_user)
    _past(other_client)
    assert retention_due_notify() == 1
    (message,) = mailbox
    assert message["To"] == admin_user.email
    assert message["Subject"] == "Records to review in Appointments"
    body = text_body(message)
    assert "2 clients' records passed the retention period" in body
    assert "http://testserver/retention/" in body
    html = message.get_body(("html",)).get_content()
    for person in (client_user, other_client):
        for text in (person.display_name, person.email, f"/{person.pk}/"):
            for part in (message["Subject"], body, html):
                assert text not in part


@pytest.mark.django_db
def test_nobody_is_told_when_nothing_passed(admin_user, client_user, mailbox):
    _past(client_user, days=-1)
    assert retention_due_notify() == 0
    assert mailbox == []


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_monthly_job(
    admin_user, client_user, mailbox, celery_worker_process
):
    _past(client_user)
    retention_due_task.apply_async(queue=celery_worker_process)
    assert wait_until(lambda: len(mailbox) == 1, timeout=60)
    assert "1 client's record passed" in text_body(mailbox[0])


def test_beat_runs_the_retention_job_monthly():
    entry = settings.CELERY_BEAT_SCHEDULE["retention-due-notify"]
    assert entry["task"] == "coaching.tasks.retention_due_notify"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {2} and schedule.month_of_year == set(range(1, 13))
