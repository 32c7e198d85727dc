"""The billable service record: units from minutes, the daily cap at
signing, the credential on the signature, what makes a session billable, and
bad input refused with nothing changed."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sessions_log import billing
from sessions_log.models import FundingProgramme, Note, NoteReview, ServiceCode, Session
from sessions_log.services.notes import note_open, note_review, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log, session_billing_set, session_schedule
from tests.helpers import sign_in


@pytest.mark.parametrize(
    ("minutes", "units"),
    [(0, 0), (7, 0), (8, 1), (15, 1), (22, 1), (23, 2), (37, 2), (38, 3), (60, 4)],
)
def test_units_follow_the_8_minute_rule(minutes, units):
    assert billing.units_for(minutes) == units


def test_the_unit_rule_follows_the_settings(settings):
    settings.BILLING_UNIT_MINUTES, settings.BILLING_UNIT_THRESHOLD_MINUTES = 30, 16
    assert [billing.units_for(m) for m in (15, 16, 45, 46)] == [0, 1, 1, 2]


def test_units_over_the_cap_count_only_what_goes_over():
    assert billing.over_cap(10, 4, 16) == 0
    assert billing.over_cap(14, 4, 16) == 2
    assert billing.over_cap(20, 2, 16) == 2


def _h0038():
    return ServiceCode.objects.get(code="H0038", modifiers="")


def _medicaid():
    return FundingProgramme.objects.get(name="Medicaid")


def _contact(coach, client, *, minutes, hours_ago=3, code=None):
    """A contact `hours_ago` before 21:00 yesterday (UTC, the client's zone):
    the contacts of one test fall on one day whatever the time it runs."""
    evening = timezone.now().replace(hour=21, minute=0, second=0, microsecond=0)
    return contact_log(
        actor=coach,
        client=client,
        started_at=evening - timedelta(days=1, hours=hours_ago),
        duration=timedelta(minutes=minutes),
        modality="in_person",
        place_type="community",
        service_code=code or _h0038(),
        funding_programme=_medicaid(),
    )


def _written(coach, session):
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative="Worked on housing", services=["Peer"])
    return note


@pytest.mark.django_db
def test_the_seeded_lists_hold_h0038_its_group_variant_and_three_programmes():
    assert {code.label for code in ServiceCode.objects.all()} >= {"H0038", "H0038-HQ"}
    assert set(FundingProgramme.objects.values_list("name", flat=True)) >= {"Medicaid", "None"}
    assert not FundingProgramme.objects.get(name="None").billed


@pytest.mark.django_db
def test_signing_fixes_the_units_and_the_coachs_credential(coach, client_user):
    coach.credential = "CPRS"
    coach.save()
    session = _contact(coach, client_user, minutes=38)
    note = note_sign(actor=coach, note=_written(coach, session))
    coach.credential = "CRPS"
    coach.save()
    note.refresh_from_db()
    assert (note.units, note.signed_credential, note.over_cap_reason) == (3, "CPRS", "")


@pytest.mark.django_db
def test_the_coach_sees_the_units_before_signing_and_the_credential_after(
    client, coach, client_user
):
    coach.credential = "CPRS"
    coach.save()
    session = _contact(coach, client_user, minutes=23)
    note = _written(coach, session)
    sign_in(client, coach)
    page = client.get(reverse("sessions_log:session_detail", args=[session.pk])).content.decode()
    assert "Signing bills <strong>2 units</strong> for 23 minutes of H0038 (Medicaid)" in page
    client.post(reverse("sessions_log:note_sign", args=[note.pk]), {"narrative": "Worked"})
    page = client.get(reverse("sessions_log:session_detail", args=[session.pk])).content.decode()
    assert "by Casey Rivera, CPRS. Units at signing: 2." in page


@pytest.mark.django_db
def test_going_over_the_daily_cap_is_shown_before_signing_and_never_billed(
    client, coach, client_user
):
    """Issue 27 changed this rule: units past the programme's daily cap are
    never billable (they were billed with a reason). The coach sees before
    signing that they will not be billed; signing needs no reason; a reason
    given is kept with the signature as the coach's note on it."""
    FundingProgramme.objects.filter(name="Medicaid").update(daily_unit_cap=4)
    first = _contact(coach, client_user, minutes=60, hours_ago=5)
    note_sign(actor=coach, note=_written(coach, first))
    second = _contact(coach, client_user, minutes=30, hours_ago=3)
    note = _written(coach, second)
    sign_in(client, coach)
    page = client.get(reverse("sessions_log:session_detail", args=[second.pk])).content.decode()
    assert "2 units would go over the cap and will not be billed." in page

    reason = "Crisis support after an eviction notice"
    response = client.post(
        reverse("sessions_log:note_sign", args=[note.pk]),
        {"narrative": "W", "over_cap_reason": reason},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.units, note.over_cap_reason) == (2, reason)
    page = client.get(reverse("sessions_log:session_detail", args=[second.pk])).content.decode()
    assert f"Over the daily cap:</strong> {reason}" in page


@pytest.mark.django_db
def test_the_cap_counts_the_clients_own_day_and_the_same_code_only(coach, client_user):
    FundingProgramme.objects.filter(name="Medicaid").update(daily_unit_cap=4)
    group = ServiceCode.objects.get(code="H0038", modifiers="HQ")
    note_sign(actor=coach, note=_written(coach, _contact(coach, client_user, minutes=60)))
    other_code = _contact(coach, client_user, minutes=60, hours_ago=5, code=group)
    # Another code that day: its own cap, no reason asked.
    assert note_sign(actor=coach, note=_written(coach, other_code)).units == 4


@pytest.mark.django_db
def test_only_a_cosigned_note_makes_a_session_billable(coach, client_user, supervisor):
    session = _contact(coach, client_user, minutes=30)
    billable = Session.objects.filter(billing.billable())
    assert not billable.exists()
    note = note_sign(actor=coach, note=_written(coach, session))
    assert not billable.exists()
    note_review(actor=supervisor, note=note, decision=NoteReview.Decision.RETURNED, comment="Add")
    assert not billable.exists()


@pytest.mark.django_db
def test_a_cosigned_note_is_billable_and_without_cosign_rule_a_signed_one_is(
    coach, client_user, supervisor, settings
):
    session = _contact(coach, client_user, minutes=30)
    note = note_sign(actor=coach, note=_written(coach, session))
    settings.BILLING_REQUIRES_COSIGN = False
    assert Session.objects.filter(billing.billable()).get() == session
    settings.BILLING_REQUIRES_COSIGN = True
    note_review(actor=supervisor, note=note, decision=NoteReview.Decision.COSIGNED)
    assert Session.objects.filter(billing.billable()).get() == session


@pytest.mark.django_db
def test_a_session_without_a_paying_programme_is_not_billable(coach, client_user, settings):
    settings.BILLING_REQUIRES_COSIGN = False
    session = contact_log(
        actor=coach,
        client=client_user,
        started_at=timezone.now() - timedelta(hours=3),
        duration=timedelta(minutes=30),
        modality="phone",
        service_code=_h0038(),
        funding_programme=FundingProgramme.objects.get(name="None"),
    )
    note_sign(actor=coach, note=_written(coach, session))
    assert not Session.objects.filter(billing.billable()).exists()


@pytest.mark.django_db
def test_an_inactive_code_is_refused_and_nothing_is_saved(coach, client_user):
    code = _h0038()
    code.active = False
    code.save()
    with pytest.raises(ValidationError) as error:
        _contact(coach, client_user, minutes=30, code=code)
    assert "this one is not in use" in str(error.value)
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_code_not_in_the_list_gets_a_clear_message_on_the_form(client, coach, client_user):
    sign_in(client, coach)
    day = timezone.localdate() - timedelta(days=1)
    response = client.post(
        reverse("sessions_log:contact_log"),
        {
            "client": client_user.pk,
            "date": day.isoformat(),
            "time": "10:00",
            "duration": 30,
            "modality": "phone",
            "service_code": 999999,
        },
    )
    assert response.status_code == 400
    assert "Choose a service code from the list." in response.content.decode()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_an_end_before_the_start_is_refused_and_nothing_is_saved(coach, client_user):
    with pytest.raises(ValidationError) as error:
        contact_log(
            actor=coach,
            client=client_user,
            started_at=timezone.now() - timedelta(hours=3),
            duration=timedelta(minutes=-30),
            modality="phone",
        )
    assert "between 5 minutes and 8 hours" in str(error.value)
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_logging_a_contact_records_its_billing_fields_with_sensible_defaults(
    client, coach, client_user
):
    sign_in(client, coach)
    day = timezone.localdate() - timedelta(days=1)
    fields = {"client": client_user.pk, "date": day.isoformat(), "time": "10:00"}
    client.post(
        reverse("sessions_log:contact_log"), {**fields, "duration": 30, "modality": "phone"}
    )
    session = Session.objects.get()
    # The place follows how they met; the code starts on the first in the list.
    page = client.get(reverse("sessions_log:contact_log")).content.decode()
    assert f'<option value="{_h0038().pk}" selected>' in page
    assert session.place_type == "phone"
    assert session.service_code is None  # not posted: not billed until set


@pytest.mark.django_db
def test_scheduling_takes_the_place_code_and_programme(coach, client_user):
    session = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(minutes=45),
        modality="in_person",
        place_type="home",
        service_code=_h0038(),
        funding_programme=_medicaid(),
    )
    session.refresh_from_db()
    assert (session.place_type, session.service_code.label) == ("home", "H0038")
    assert session.funding_programme.name == "Medicaid"


@pytest.mark.django_db
def test_the_billing_details_change_until_the_note_is_signed(client, coach, client_user):
    session = _contact(coach, client_user, minutes=30)
    group = ServiceCode.objects.get(code="H0038", modifiers="HQ")
    sign_in(client, coach)
    url = reverse("sessions_log:session_billing", args=[session.pk])
    response = client.post(
        url,
        {"place_type": "office", "service_code": group.pk, "funding_programme": _medicaid().pk},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.place_type, session.service_code) == ("office", group)
    note_sign(actor=coach, note=_written(coach, session))
    response = client.post(url, {"place_type": "home", "service_code": _h0038().pk})
    assert response.status_code == 400
    assert "The note is signed" in response.content.decode()
    session.refresh_from_db()
    assert (session.place_type, session.service_code) == ("office", group)
    with pytest.raises(ValidationError):
        session_billing_set(
            actor=coach,
            session=session,
            place_type="home",
            service_code=None,
            funding_programme=None,
        )


@pytest.mark.django_db
def test_a_signed_notes_billing_columns_cannot_change_even_in_sql(coach, client_user):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    note = note_sign(actor=coach, note=_written(coach, _contact(coach, client_user, minutes=30)))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE sessions_log_note SET units = 99 WHERE id = %s", [note.pk])
    assert Note.objects.get(pk=note.pk).units == 2


@pytest.mark.django_db
def test_admins_set_a_programmes_unit_rule_cap_paid_modes_and_fee(client, admin_user):
    medicaid = _medicaid()
    assert (medicaid.unit_rule, medicaid.daily_unit_cap, medicaid.billable_modalities) == (
        "cms_day_total",
        16,
        ["in_person", "phone", "video"],
    )
    sign_in(client, admin_user)
    url = reverse("admin:sessions_log_fundingprogramme_change", args=[medicaid.pk])
    page = client.get(url).content.decode()
    assert "Contact modes it pays for" in page
    response = client.post(
        url,
        {
            "name": "Medicaid",
            "billed": "on",
            "unit_rule": "per_session",
            "daily_unit_cap": 24,
            "billable_modalities": ["in_person", "text"],
            "fee_per_unit": "21.50",
            "position": medicaid.position,
            "active": "on",
        },
    )
    assert response.status_code == 302
    medicaid.refresh_from_db()
    assert (medicaid.unit_rule, medicaid.daily_unit_cap, medicaid.billable_modalities) == (
        "per_session",
        24,
        ["in_person", "text"],
    )
    assert str(medicaid.fee_per_unit) == "21.50"
    response = client.post(url, {"name": "Medicaid", "billable_modalities": ["fax"]})
    assert response.status_code == 200
    medicaid.refresh_from_db()
    assert medicaid.billable_modalities == ["in_person", "text"]
