"""Group sessions (H0038-HQ): one session with several clients, each with
their own row (attendance, minutes, note, reminders); the coach's
no-double-booking rule lets a group's rows share their time and refuses
anything else; a group bills each attending client once with HQ; no client
learns who else was in the group."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from coaching.services.caseloads import client_reassign
from sessions_log import billing
from sessions_log.models import FundingProgramme, Reminder, ServiceCode, Session, SessionGroup
from sessions_log.services.groups import group_close, group_schedule
from sessions_log.services.notes import note_open, note_review, note_save_draft, note_sign
from sessions_log.services.sessions import session_reschedule, session_schedule
from tests.conftest import make_user

OVERLAP = "You already have a session at that time. Choose another time."


def hq():
    return ServiceCode.objects.get(code="H0038", modifiers="HQ")


def medicaid():
    return FundingProgramme.objects.get(name="Medicaid")


@pytest.fixture
def kai(coach):
    """A second client of the coach."""
    person = make_user("kai@example.org", Role.CLIENT, name="Kai Nakamura")
    CaseloadAssignment.objects.create(coach=coach, client=person)
    return person


@pytest.fixture
def sky(coach):
    """A third client of the coach."""
    person = make_user("sky@example.org", Role.CLIENT, name="Sky Okafor")
    CaseloadAssignment.objects.create(coach=coach, client=person)
    return person


def tomorrow_at(hour):
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour))


def a_group(coach, clients, *, starts_at=None, minutes=60, **extra):
    return group_schedule(
        actor=coach,
        clients=clients,
        starts_at=starts_at or tomorrow_at(10),
        duration=timedelta(minutes=minutes),
        modality="in_person",
        location="Room 2",
        place_type="community",
        service_code=hq(),
        funding_programme=medicaid(),
        **extra,
    )


def moved_to_the_past(group, hours=3):
    """The group's rows as if its time had come `hours` ago (scheduling
    refuses the past; time moves here instead)."""
    rows = Session.objects.filter(session_group=group)
    shift = rows.first().starts_at - (timezone.now() - timedelta(hours=hours))
    rows.update(starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift)
    return rows.first().starts_at


@pytest.mark.django_db
def test_a_group_gives_each_client_their_own_session_and_reminders(coach, client_user, kai):
    group = a_group(coach, [client_user, kai])
    rows = list(Session.objects.filter(session_group=group).order_by("client__display_name"))
    assert [row.client for row in rows] == [kai, client_user]
    assert {(row.coach_id, row.starts_at, row.ends_at, row.service_code.label) for row in rows} == {
        (coach.pk, tomorrow_at(10), tomorrow_at(11), "H0038-HQ")
    }
    # Each client is reminded of their own session, as for a one-to-one.
    for row in rows:
        assert Reminder.objects.filter(session=row, recipient=row.client).exists()


@pytest.mark.django_db
def test_a_one_to_one_session_overlapping_the_group_is_refused(coach, client_user, kai, sky):
    """The group's rows coexist; a one-to-one session at that time is
    refused with the usual message, and nothing is saved."""
    a_group(coach, [client_user, kai])
    with pytest.raises(ValidationError) as refused:
        session_schedule(
            actor=coach,
            client=sky,
            starts_at=tomorrow_at(10) + timedelta(minutes=30),
            duration=timedelta(hours=1),
            modality="phone",
        )
    assert refused.value.message_dict == {"starts_at": [OVERLAP]}
    assert Session.objects.count() == 2


@pytest.mark.django_db
def test_a_group_overlapping_a_one_to_one_session_is_refused_as_a_whole(
    coach, client_user, kai, sky
):
    session_schedule(
        actor=coach, client=sky, starts_at=tomorrow_at(10), duration=timedelta(hours=1),
        modality="phone",
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        a_group(coach, [client_user, kai], starts_at=tomorrow_at(10) + timedelta(minutes=45))
    assert refused.value.message_dict == {"starts_at": [OVERLAP]}
    assert Session.objects.count() == 1
    assert not SessionGroup.objects.exists()


@pytest.mark.django_db
def test_two_groups_overlapping_are_refused(coach, client_user, kai, sky):
    a_group(coach, [client_user, kai])
    with pytest.raises(ValidationError) as refused:
        a_group(coach, [sky, kai], starts_at=tomorrow_at(10) + timedelta(minutes=59))
    assert refused.value.message_dict == {"starts_at": [OVERLAP]}
    assert SessionGroup.objects.count() == 1
    assert Session.objects.count() == 2
    # Back to back is no overlap.
    a_group(coach, [sky, kai], starts_at=tomorrow_at(11))
    assert Session.objects.count() == 4


@pytest.mark.django_db
def test_another_coachs_groups_do_not_stop_this_coach(
    coach, client_user, kai, other_coach, other_client
):
    """Coaches are still booked apart: another coach's session at the same time is no conflict."""
    session_schedule(
        actor=other_coach, client=other_client, starts_at=tomorrow_at(10),
        duration=timedelta(hours=1), modality="phone",
    )  # fmt: skip
    a_group(coach, [client_user, kai])
    assert Session.objects.count() == 3


@pytest.mark.django_db
def test_someone_elses_client_is_refused_and_nothing_is_saved(coach, client_user, other_client):
    with pytest.raises(ValidationError) as refused:
        a_group(coach, [client_user, other_client])
    assert refused.value.message_dict == {"clients": ["Choose only your own clients."]}
    assert not Session.objects.exists()
    assert not SessionGroup.objects.exists()


@pytest.mark.django_db
def test_a_group_needs_two_clients_and_a_group_code(coach, client_user, kai):
    with pytest.raises(ValidationError) as refused:
        a_group(coach, [client_user, client_user])
    assert "at least 2 clients" in refused.value.message_dict["clients"][0]
    with pytest.raises(ValidationError) as refused:
        group_schedule(
            actor=coach,
            clients=[client_user, kai],
            starts_at=tomorrow_at(10),
            duration=timedelta(hours=1),
            modality="in_person",
            service_code=ServiceCode.objects.get(code="H0038", modifiers=""),
        )
    assert refused.value.message_dict == {
        "service_code": ["Choose a group service code (one with the HQ modifier)."]
    }
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_member_moves_only_with_the_group(coach, client_user, kai):
    group = a_group(coach, [client_user, kai])
    row = Session.objects.filter(session_group=group).first()
    with pytest.raises(ValidationError, match="part of a group session"):
        session_reschedule(
            actor=coach, session=row, starts_at=tomorrow_at(15), duration=timedelta(hours=1)
        )
    row.refresh_from_db()
    assert row.starts_at == tomorrow_at(10)


def _closed(coach, group, outcomes_by_client):
    start = moved_to_the_past(group)
    rows = {row.client_id: row.pk for row in Session.objects.filter(session_group=group)}
    outcomes = {rows[client.pk]: outcome for client, outcome in outcomes_by_client.items()}
    return group_close(actor=coach, group=group, actual_start=start, outcomes=outcomes)


@pytest.mark.django_db
def test_a_client_who_changes_coach_leaves_the_old_coachs_group(
    coach, supervisor, team, client_user, kai, sky
):
    """The group stays its coach's: a member handed to another coach has
    their place cancelled (the old coach no longer sees them), even when
    their one-to-one sessions move with them; the others keep theirs."""
    group = a_group(coach, [client_user, kai, sky])
    one_to_one = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=tomorrow_at(15),
        duration=timedelta(hours=1),
        modality="phone",
    )
    new_coach = make_user("drew@example.org", Role.COACH, name="Drew Park", team=team)
    client_reassign(
        actor=supervisor,
        client=client_user,
        new_coach=new_coach,
        reason="Closer to home",
        cancel_upcoming=False,
    )
    place = Session.objects.get(session_group=group, client=client_user)
    assert (place.status, place.coach) == ("cancelled", coach)
    one_to_one.refresh_from_db()
    assert (one_to_one.status, one_to_one.coach) == ("scheduled", new_coach)
    others = Session.objects.filter(session_group=group).exclude(client=client_user)
    assert set(others.values_list("status", flat=True)) == {"scheduled"}


@pytest.mark.django_db
def test_closing_records_each_clients_attendance_and_minutes(coach, client_user, kai, sky):
    group = a_group(coach, [client_user, kai, sky])
    _closed(
        coach,
        group,
        {client_user: ("completed", 60), kai: ("completed", 25), sky: ("no_show", None)},
    )
    rows = {row.client: row for row in Session.objects.filter(session_group=group)}
    assert (rows[client_user].status, rows[client_user].minutes_spent) == ("completed", 60)
    assert (rows[kai].status, rows[kai].minutes_spent) == ("completed", 25)
    assert (rows[sky].status, rows[sky].minutes_spent) == ("no_show", None)
    # Each attending client's session needs its own note.
    assert rows[client_user].note_state == rows[kai].note_state == "to_write"


@pytest.mark.django_db
def test_one_refused_member_closes_no_one(coach, client_user, kai):
    group = a_group(coach, [client_user, kai])
    with pytest.raises(ValidationError) as refused:
        _closed(coach, group, {client_user: ("completed", 60), kai: ("completed", 0)})
    kai_row = Session.objects.get(session_group=group, client=kai)
    assert list(refused.value.message_dict) == [f"minutes_{kai_row.pk}"]
    assert set(Session.objects.filter(session_group=group).values_list("status", flat=True)) == {
        "scheduled"
    }


@pytest.mark.django_db
def test_another_coach_cannot_close_the_group(coach, client_user, kai, other_coach):
    group = a_group(coach, [client_user, kai])
    start = moved_to_the_past(group)
    with pytest.raises(Exception) as refused:
        group_close(actor=other_coach, group=group, actual_start=start, outcomes={})
    assert type(refused.value).__name__ == "PermissionDenied"
    assert set(Session.objects.filter(session_group=group).values_list("status", flat=True)) == {
        "scheduled"
    }


def _signed_and_cosigned(coach, supervisor, session):
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative="Group work on routines")
    note = note_sign(actor=coach, note=note)
    note_review(actor=supervisor, note=note, decision="cosigned")


def a_billable_group(coach, supervisor, *, attended, absent):
    """A past group session: the `attended` clients with their minutes, each
    note signed and co-signed; the `absent` a no-show."""
    group = a_group(coach, [*attended, *absent])
    outcomes = {client: ("completed", minutes) for client, minutes in attended.items()}
    outcomes.update({client: ("no_show", None) for client in absent})
    _closed(coach, group, outcomes)
    for row in Session.objects.filter(session_group=group, status="completed"):
        _signed_and_cosigned(coach, supervisor, row)
    return group


@pytest.mark.django_db
def test_a_group_session_bills_each_attending_client_once_with_hq(
    coach, supervisor, client_user, kai, sky
):
    """CMS HCPCS modifier HQ ("group setting") on H0038; units per client
    from their own minutes (CMS Pub. 100-04 ch. 5 §20.2); a no-show bills
    nothing."""
    a_billable_group(coach, supervisor, attended={client_user: 60, kai: 20}, absent=[sky])
    sessions = list(
        billing.with_billed_time(
            Session.objects.filter(billing.billable()).select_related(
                "client", "funding_programme", "service_code"
            )
        )
    )
    lines, left = billing.claim_lines(sessions)
    assert sorted(
        (line.session.client.display_name, line.session.service_code.label, line.units)
        for line in lines
    ) == [("Kai Nakamura", "H0038-HQ", 1), ("Robin Park", "H0038-HQ", 4)]
    assert left == []
    assert not any(line.session.client == sky for line in lines)
