"""Minutes actually spent (issue 27): closing a session and logging a contact
record the actual start and minutes (the booking as the default, the units
shown before saving), bad input is refused with a message and changes
nothing, the note shows them, and after signing only an addendum corrects
them, which is what bills from then on. Units per CMS Pub. 100-04 ch. 5
§20.2."""

import zoneinfo
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from sessions_log import billing
from sessions_log.models import Addendum, FundingProgramme, ServiceCode, Session
from sessions_log.services.notes import addendum_add, note_open, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log, session_close, session_schedule
from tests.helpers import sign_in


def _booked(coach, client, *, hours_ago=2, minutes=60):
    """A 60-minute booking that started `hours_ago` hours ago, still open."""
    session = session_schedule(
        actor=coach,
        client=client,
        starts_at=timezone.now() + timedelta(days=1),
        duration=timedelta(minutes=minutes),
        modality="in_person",
        place_type="office",
        service_code=ServiceCode.objects.get(code="H0038", modifiers=""),
        funding_programme=FundingProgramme.objects.get(name="Medicaid"),
    )
    shift = timedelta(days=1, hours=hours_ago)
    Session.objects.filter(pk=session.pk).update(
        starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift
    )
    session.refresh_from_db()
    return session


def _local(moment, user):
    return moment.astimezone(zoneinfo.ZoneInfo(user.time_zone))


def _close(client, session, coach, *, minutes, start=None, **extra):
    start = _local(start or session.starts_at, coach)
    data = {
        "status": "completed",
        "date": start.date().isoformat(),
        "time": start.strftime("%H:%M"),
        "minutes_spent": minutes,
        **extra,
    }
    return client.post(reverse("sessions_log:session_close", args=[session.pk]), data)


def _billable_lines(session):
    sessions = billing.with_billed_time(
        Session.objects.filter(billing.billable()).select_related("client", "funding_programme")
    )
    return billing.claim_lines(list(sessions.filter(pk=session.pk)))


@pytest.mark.django_db
def test_the_close_form_shows_the_booking_as_the_default_and_its_units(client, coach, client_user):
    """CMS Pub. 100-04 ch. 5 §20.2: a 60-minute booking is 4 units if it lasted 60."""
    session = _booked(coach, client_user)
    sign_in(client, coach)
    page = client.get(reverse("sessions_log:session_detail", args=[session.pk])).content.decode()
    start = _local(session.starts_at, coach)
    assert 'name="minutes_spent" value="60"' in page
    assert f'name="time" value="{start.strftime("%H:%M")}"' in page
    assert f'name="date" value="{start.date().isoformat()}"' in page
    assert "60 minutes = 4 units" in page
    assert "under Medicaid's rule (CMS: the day&#x27;s total" in page


@pytest.mark.django_db
def test_a_sixty_minute_booking_closed_after_twenty_minutes_bills_one_unit(
    client, coach, client_user, settings
):
    """CMS Pub. 100-04 ch. 5 §20.2: 20 minutes spent is 1 unit, whatever the
    booking said (60 minutes, 4 units)."""
    settings.BILLING_REQUIRES_COSIGN = False
    session = _booked(coach, client_user)
    sign_in(client, coach)
    response = _close(client, session, coach, minutes=20)
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.status, session.minutes_spent) == ("completed", 20)
    assert session.actual_start == session.starts_at
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative="Housing")
    page = client.get(reverse("sessions_log:session_detail", args=[session.pk])).content.decode()
    assert "Signing bills <strong>1 unit</strong> for 20 minutes" in page
    note_sign(actor=coach, note=note)
    page = client.get(reverse("sessions_log:session_detail", args=[session.pk])).content.decode()
    assert '<dd id="minutes-spent">20</dd>' in page
    lines, left_out = _billable_lines(session)
    assert [(line.minutes, line.units) for line in lines] == [(20, 1)]
    assert left_out == []


@pytest.mark.parametrize(
    ("minutes", "start_shift", "message"),
    [
        (-5, timedelta(0), "at least 1 (not zero or negative)"),
        (0, timedelta(0), "at least 1 (not zero or negative)"),
        (481, timedelta(0), "at most 8 hours (480 minutes)"),
        (20, timedelta(hours=3), "cannot be in the future"),
        (20, -timedelta(hours=5), "more than 4 hours from the booked time"),
        (119, timedelta(0), "would end in the future"),
    ],
)
@pytest.mark.django_db
def test_bad_time_spent_is_refused_with_a_message_and_nothing_changes(
    client, coach, client_user, minutes, start_shift, message
):
    session = _booked(coach, client_user, hours_ago=1)
    sign_in(client, coach)
    response = _close(
        client, session, coach, minutes=minutes, start=session.starts_at + start_shift
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    fresh = Session.objects.get(pk=session.pk)
    assert (fresh.status, fresh.minutes_spent, fresh.actual_start) == ("scheduled", None, None)


@pytest.mark.django_db
def test_a_no_show_asks_for_no_minutes(client, coach, client_user):
    session = _booked(coach, client_user)
    sign_in(client, coach)
    response = client.post(
        reverse("sessions_log:session_close", args=[session.pk]), {"status": "no_show"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.status, session.minutes_spent) == ("no_show", None)


@pytest.mark.django_db
def test_the_contact_form_shows_the_units_and_records_the_minutes_spent(client, coach, client_user):
    """CMS Pub. 100-04 ch. 5 §20.2: 60 minutes = 4 units (the form's default)."""
    sign_in(client, coach)
    page = client.get(reverse("sessions_log:contact_log")).content.decode()
    assert "Minutes actually spent" in page and "60 minutes = 4 units" in page
    start = _local(timezone.now() - timedelta(hours=3), coach)
    data = {
        "client": client_user.pk,
        "date": start.date().isoformat(),
        "time": start.strftime("%H:%M"),
        "duration": 25,
        "modality": "phone",
        "service_code": ServiceCode.objects.get(code="H0038", modifiers="").pk,
        "funding_programme": FundingProgramme.objects.get(name="Medicaid").pk,
    }
    response = client.post(reverse("sessions_log:contact_log"), data)
    assert response.status_code == 302
    session = Session.objects.get(client=client_user)
    assert session.minutes_spent == 25
    assert timezone.localtime(session.actual_start).strftime("%H:%M") == start.strftime("%H:%M")

    # Bad input: refused with a message, nothing recorded.
    for minutes, message in ((-3, "at least 5 minutes"), (500, "at most 8 hours")):
        response = client.post(reverse("sessions_log:contact_log"), {**data, "duration": minutes})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert Session.objects.filter(client=client_user).count() == 1


def _signed(coach, client_user, *, minutes=30):
    session = contact_log(
        actor=coach,
        client=client_user,
        started_at=timezone.now() - timedelta(hours=3),
        duration=timedelta(minutes=minutes),
        modality="in_person",
        service_code=ServiceCode.objects.get(code="H0038", modifiers=""),
        funding_programme=FundingProgramme.objects.get(name="Medicaid"),
    )
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative="Peer support")
    return session, note_sign(actor=coach, note=note)


@pytest.mark.django_db
def test_after_signing_an_addendum_corrects_the_time_and_billing_follows(
    client, coach, client_user, settings
):
    """CMS Pub. 100-04 ch. 5 §20.2: 30 minutes = 2 units; corrected to 20, 1."""
    settings.BILLING_REQUIRES_COSIGN = False
    session, note = _signed(coach, client_user, minutes=30)
    assert [line.units for line in _billable_lines(session)[0]] == [2]
    sign_in(client, coach)
    start = _local(session.starts_at, coach)
    response = client.post(
        reverse("sessions_log:addendum_add", args=[note.pk]),
        {
            "text": "The call dropped after 20 minutes; I had entered the booked length.",
            "corrected_date": start.date().isoformat(),
            "corrected_time": start.strftime("%H:%M"),
            "corrected_minutes": 20,
        },
    )
    assert response.status_code == 302
    correction = Addendum.objects.get(note=note)
    assert (correction.corrected_minutes, correction.corrected_start) == (20, session.starts_at)
    # The signed note and the session keep what was signed; billing reads the correction.
    note.refresh_from_db()
    session.refresh_from_db()
    assert (note.units, session.minutes_spent) == (2, 30)
    (line,), _ = _billable_lines(session)
    assert (line.minutes, line.units) == (20, 1)
    annotated = billing.with_billed_time(Session.objects.filter(pk=session.pk)).get()
    assert annotated.corrected_at == correction.signed_at
    page = client.get(reverse("sessions_log:session_detail", args=[session.pk])).content.decode()
    assert "20 (corrected by addendum)" in page
    assert "Time spent corrected:</strong> started" in page


@pytest.mark.parametrize(
    ("minutes", "start_shift", "message"),
    [
        (20, None, "give the actual date, start time and minutes"),
        (0, timedelta(0), "at least 1 (not zero or negative)"),
        (20, timedelta(hours=5), "in the future"),
    ],
)
@pytest.mark.django_db
def test_a_bad_correction_is_refused_and_nothing_changes(
    client, coach, client_user, minutes, start_shift, message
):
    session, note = _signed(coach, client_user)
    sign_in(client, coach)
    data = {"text": "Correction", "corrected_minutes": minutes}
    if start_shift is not None:
        start = _local(session.starts_at + start_shift, coach)
        data.update(corrected_date=start.date().isoformat(), corrected_time=start.strftime("%H:%M"))
    response = client.post(reverse("sessions_log:addendum_add", args=[note.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Addendum.objects.filter(note=note).exists()


@pytest.mark.parametrize("minutes", [-5, 0, 481, None])
@pytest.mark.django_db
def test_the_services_refuse_bad_minutes_whatever_the_form_let_through(coach, client_user, minutes):
    """The close and correction services check the minutes themselves."""
    session = _booked(coach, client_user)
    with pytest.raises(ValidationError) as refused:
        session_close(
            actor=coach,
            session=session,
            status="completed",
            actual_start=session.starts_at,
            minutes_spent=minutes,
        )
    assert "minutes_spent" in refused.value.message_dict
    assert Session.objects.get(pk=session.pk).status == "scheduled"
    signed, note = _signed(coach, client_user)
    with pytest.raises(ValidationError) as refused:
        addendum_add(
            actor=coach,
            note=note,
            text="Correction",
            corrected_start=signed.starts_at,
            corrected_minutes=minutes,
        )
    assert "corrected_minutes" in refused.value.message_dict
    assert not Addendum.objects.filter(note=note).exists()
