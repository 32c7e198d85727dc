"""Episodes of care: the services (intake, discharge, readmission; every bad
input refused plainly with nothing changed), the episode a session, check-in
or plan version belongs to, and the monthly and per-coach figures."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.models import CheckIn, Episode, PlanVersion, ReferralSource
from coaching.selectors.episodes import (
    episode_counts_by_coach,
    episode_month_figures,
    episode_page,
    with_episode,
    with_open_episode,
)
from coaching.services.episodes import episode_discharge, episode_open
from coaching.services.trust import checkin_submit
from sessions_log.models import Session
from sessions_log.services.sessions import session_cancel, session_schedule
from tests.conftest import make_user
from tests.helpers import agree, past_contact, plan_with

HIGH = {"heard": 9, "safe": 9, "focus": 9, "trust": 9, "helping": 9}


def source(name="Self") -> ReferralSource:
    # Seeded by migration 0010; a transactional test's flushed database has none.
    return ReferralSource.objects.get_or_create(name=name)[0]


def today() -> date:
    return timezone.localdate()


def admit(coach, client, days_ago=60) -> Episode:
    return episode_open(
        actor=coach,
        client=client,
        intake_date=today() - timedelta(days=days_ago),
        referral_source=source(),
    )


def _state():
    return list(Episode.objects.values()), AuditEvent.objects.filter(
        action__startswith="episode."
    ).count()


# ------------------------------------------------------------------ services


@pytest.mark.django_db
def test_it_opens_an_episode_and_audits_it(coach, client_user):
    episode = admit(coach, client_user)
    assert episode.is_open and episode.opened_by == coach
    assert episode.referral_source.name == "Self"
    assert AuditEvent.objects.filter(action="episode.open", client=client_user).count() == 1


@pytest.mark.django_db
def test_the_referral_sources_are_seeded():
    names = set(ReferralSource.objects.values_list("name", flat=True))
    assert {"Self", "Family or friend", "Court or probation", "Treatment program"} <= names


@pytest.mark.django_db
def test_it_discharges_and_readmits_keeping_the_history(coach, client_user, supervisor):
    first = admit(coach, client_user, days_ago=100)
    episode_discharge(
        actor=supervisor,
        client=client_user,
        discharge_date=today() - timedelta(days=50),
        reason="moved",
        summary="Moved to the coast; gave them the local group.",
    )
    first.refresh_from_db()
    assert first.discharge_reason == "moved" and first.discharged_by == supervisor
    assert first.discharge_summary.startswith("Moved to the coast")
    second = admit(coach, client_user, days_ago=10)
    assert list(Episode.objects.filter(client=client_user)) == [second, first]
    assert AuditEvent.objects.filter(action="episode.readmit", client=client_user).exists()
    assert AuditEvent.objects.filter(action="episode.discharge", actor=supervisor).exists()


@pytest.mark.django_db
def test_a_second_open_episode_is_refused_and_nothing_changes(coach, client_user):
    admit(coach, client_user)
    before = _state()
    with pytest.raises(ValidationError, match="already has an open episode"):
        admit(coach, client_user, days_ago=5)
    assert _state() == before


@pytest.mark.django_db
def test_the_database_holds_one_open_episode_per_client(coach, client_user):
    admit(coach, client_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(
            client=client_user, intake_date=today(), referral_source=source(), opened_by=coach
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days_ago", "message"),
    [(-1, "cannot be in the future"), (55, "starts after the last one ended")],
)
def test_a_bad_intake_date_is_refused(coach, client_user, days_ago, message):
    admit(coach, client_user, days_ago=100)
    episode_discharge(
        actor=coach, client=client_user, discharge_date=today() - timedelta(days=50), reason="moved"
    )
    before = _state()
    with pytest.raises(ValidationError, match=message):
        admit(coach, client_user, days_ago=days_ago)
    assert _state() == before


@pytest.mark.django_db
def test_an_inactive_referral_source_is_refused(coach, client_user):
    gone = ReferralSource.objects.create(name="Old list", active=False)
    with pytest.raises(ValidationError, match="from the list"):
        episode_open(actor=coach, client=client_user, intake_date=today(), referral_source=gone)
    assert not Episode.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"discharge_date": "before intake"}, "cannot be before the intake"),
        ({"discharge_date": "tomorrow"}, "cannot be in the future"),
        ({"reason": "bored"}, "reason from the list"),
        ({"summary": "x" * 2001}, "2000 characters"),
    ],
)
def test_a_bad_discharge_is_refused_and_nothing_changes(coach, client_user, kwargs, message):
    episode = admit(coach, client_user, days_ago=30)
    dates = {
        "before intake": episode.intake_date - timedelta(days=1),
        "tomorrow": today() + timedelta(days=1),
    }
    arguments = {"discharge_date": today(), "reason": "goals_met", "summary": ""}
    arguments.update(kwargs)
    arguments["discharge_date"] = dates.get(
        arguments["discharge_date"], arguments["discharge_date"]
    )
    before = _state()
    with pytest.raises(ValidationError, match=message):
        episode_discharge(actor=coach, client=client_user, **arguments)
    assert _state() == before


@pytest.mark.django_db
def test_a_discharge_before_scheduled_sessions_is_refused(coach, client_user):
    admit(coach, client_user)
    upcoming = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=3),
        duration=timedelta(hours=1),
        modality="phone",
    )
    before = _state()
    with pytest.raises(ValidationError, match="1 session is still scheduled after this day"):
        episode_discharge(
            actor=coach, client=client_user, discharge_date=today(), reason="goals_met"
        )
    assert _state() == before
    # Once it is cancelled, the discharge goes through.
    session_cancel(actor=coach, session=upcoming, reason="Moving on")
    episode_discharge(actor=coach, client=client_user, discharge_date=today(), reason="goals_met")
    assert not Episode.objects.get().is_open


@pytest.mark.django_db
def test_nothing_open_to_discharge_is_said_plainly(coach, client_user):
    with pytest.raises(ValidationError, match="no open episode"):
        episode_discharge(
            actor=coach, client=client_user, discharge_date=today(), reason="goals_met"
        )


@pytest.mark.django_db
def test_only_the_clients_coach_opens_and_their_team_discharges(
    coach, client_user, supervisor, other_coach, other_client, admin_user
):
    for person in (supervisor, other_coach, admin_user, client_user):
        with pytest.raises(PermissionDenied):
            admit(person, client_user)
    with pytest.raises(PermissionDenied):
        admit(coach, other_client)
    admit(coach, client_user)
    for person in (other_coach, admin_user, client_user):
        with pytest.raises(PermissionDenied):
            episode_discharge(
                actor=person, client=client_user, discharge_date=today(), reason="other"
            )
    assert Episode.objects.get().is_open
    # A former coach: nothing once the client has moved on.
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    with pytest.raises(PermissionDenied):
        episode_discharge(actor=coach, client=client_user, discharge_date=today(), reason="other")


# ------------------------------------------------ the episode of a record


@pytest.mark.django_db
def test_records_belong_to_the_episode_they_happened_in(coach, client_user):
    before_any = past_contact(coach, client_user, timedelta(days=120))
    first = admit(coach, client_user, days_ago=100)
    in_first = past_contact(coach, client_user, timedelta(days=80))
    episode_discharge(
        actor=coach,
        client=client_user,
        discharge_date=today() - timedelta(days=50),
        reason="lost_contact",
    )
    between = past_contact(coach, client_user, timedelta(days=30))
    second = admit(coach, client_user, days_ago=20)
    in_second = past_contact(coach, client_user, timedelta(days=2))
    found = dict(with_episode(Session.objects.all()).values_list("pk", "episode_id"))
    assert found == {
        before_any.pk: None,
        in_first.pk: first.pk,
        between.pk: None,
        in_second.pk: second.pk,
    }
    checkin = checkin_submit(client=client_user, answers=HIGH)
    assert with_episode(CheckIn.objects.all(), moment="created_at").get().episode_id == second.pk
    plan_with(coach, client_user)
    agree(coach, client_user)
    version = with_episode(
        PlanVersion.objects.all(), client_ref="plan__client_id", moment="agreed_at"
    ).get()
    assert version.episode_id == second.pk
    # The page counts them per episode, as far as the viewer may see.
    page = episode_page(coach, client_user)
    counts = {e.pk: (e.sessions_held, e.checkins, e.plans_agreed) for e in page["episodes"]}
    assert counts == {first.pk: (1, 0, 0), second.pk: (1, 1, 1)}
    assert page["open_episode"] == second
    assert checkin.pk


@pytest.mark.django_db
def test_the_day_is_the_clients_own(coach, client_user):
    """A session at 23:30 in Los Angeles on the discharge day is in the
    episode, though it is the next day in UTC."""
    client_user.time_zone = "America/Los_Angeles"
    client_user.save()
    episode = admit(coach, client_user, days_ago=30)
    Episode.objects.filter(pk=episode.pk).update(
        discharge_date=today() - timedelta(days=10), discharge_reason="other"
    )
    session = past_contact(coach, client_user, timedelta(days=12))
    local_evening = timezone.datetime.combine(
        today() - timedelta(days=10),
        timezone.datetime.min.time().replace(hour=23, minute=30),
        tzinfo=__import__("zoneinfo").ZoneInfo("America/Los_Angeles"),
    )
    Session.objects.filter(pk=session.pk).update(
        starts_at=local_evening, ends_at=local_evening + timedelta(minutes=30)
    )
    assert with_episode(Session.objects.all()).get().episode_id == episode.pk


# ------------------------------------------------------------------ figures


@pytest.mark.django_db
def test_the_month_figures_count_admissions_discharges_and_active(
    coach, client_user, supervisor, other_coach, other_client
):
    start = today().replace(day=1)
    last_month = (start - timedelta(days=1)).replace(day=1)
    episode_open(actor=coach, client=client_user, intake_date=last_month, referral_source=source())
    episode_discharge(
        actor=coach,
        client=client_user,
        discharge_date=last_month + timedelta(days=3),
        reason="goals_met",
    )
    episode_open(actor=coach, client=client_user, intake_date=start, referral_source=source())
    episode_open(
        actor=other_coach, client=other_client, intake_date=start, referral_source=source()
    )
    figures = episode_month_figures(supervisor, months=2)
    assert [f["month"] for f in figures] == [last_month, start]
    assert [(f["active"], f["admitted"], f["discharged"]) for f in figures] == [
        (1, 1, 1),
        (1, 1, 0),
    ]
    assert figures[0]["by_reason"]["Goals met"] == 1
    # The other team's client counts for nobody here, and for an admin.
    admin = make_user("ad@example.org", Role.ADMIN)
    assert episode_month_figures(admin, months=1)[0]["admitted"] == 2
    assert episode_month_figures(client_user, months=1)[0]["admitted"] == 0


@pytest.mark.django_db
def test_the_coach_figures_are_one_query(django_assert_num_queries, coach, client_user, supervisor):
    other = make_user("other@example.org", Role.CLIENT)
    CaseloadAssignment.objects.create(coach=coach, client=other)
    admit(coach, client_user, days_ago=5)
    admit(coach, other, days_ago=90)
    with django_assert_num_queries(1):
        counts = episode_counts_by_coach(supervisor, [coach.pk])
    assert counts == {coach.pk: {"active": 2, "admitted": 1, "discharged": 0}}
    rows = with_open_episode(CaseloadAssignment.objects.filter(coach=coach)).order_by("pk")
    assert [row.episode_open_since for row in rows] == [
        today() - timedelta(days=5),
        today() - timedelta(days=90),
    ]
