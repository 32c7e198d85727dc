"""The claim file and its review page under each programme's unit rule
(issue 27): units from the client's day under CMS Pub. 100-04 ch. 5 §20.2 or
per session, units past the programme's cap apart, and sessions with no unit
or in a contact mode the programme does not pay for left out with why, never
on the file nor disclosed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from coaching.models import Disclosure, ProgrammePayer, Recipient
from coaching.selectors.billing import CLAIM_HEADER
from coaching.selectors.funder_report import funder_report
from sessions_log.models import FundingProgramme, NoteReview, ServiceCode
from sessions_log.services.notes import note_open, note_review, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log
from tests.coaching.test_billing_views import _consent, _mark_sent, _read_csv, _yesterday_at
from tests.conftest import make_user
from tests.helpers import sign_in


@pytest.fixture
def medicaid():
    programme = FundingProgramme.objects.get(name="Medicaid")
    payer = Recipient.objects.create(name="State Medicaid Agency", kind=Recipient.Kind.ORGANISATION)
    ProgrammePayer.objects.create(programme=programme, recipient=payer)
    return programme


def _signed(coach, supervisor, client, programme, *, started, minutes, modality="in_person"):
    session = contact_log(
        actor=coach,
        client=client,
        started_at=started,
        duration=timedelta(minutes=minutes),
        modality=modality,
        place_type="community",
        service_code=ServiceCode.objects.get(code="H0038", modifiers=""),
        funding_programme=programme,
    )
    note = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=note, narrative="Peer support", services=["Peer support"])
    note = note_sign(actor=coach, note=note)
    note_review(actor=supervisor, note=note, decision=NoteReview.Decision.COSIGNED)
    return session


def _day():
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def _claim(client, programme):
    day = _day()
    return client.post(
        reverse("coaching:claim_download"), {"programme": programme.pk, "start": day, "end": day}
    )


def _lines(response):
    rows = _read_csv(response)
    header = rows.index(CLAIM_HEADER)
    return [
        (row[CLAIM_HEADER.index("minutes")], row[CLAIM_HEADER.index("units")])
        for row in rows[header + 1 :]
    ]


def _preview(client, programme):
    day = _day()
    return client.get(
        reverse("coaching:claims"), {"programme": programme.pk, "start": day, "end": day}
    ).content.decode()


@pytest.mark.parametrize(
    ("rule", "lines"),
    [("cms_day_total", [("8", "1")]), ("per_session", [("8", "1"), ("8", "1")])],
)
@pytest.mark.django_db
def test_eight_and_eight_minutes_bill_one_unit_under_cms_and_two_per_session(
    client, coach, supervisor, client_user, admin_user, medicaid, rule, lines
):
    """CMS Pub. 100-04 ch. 5 §20.2: the day's 16 minutes are 1 unit (each 8
    rounded alone: 2). Under CMS the unit goes to the earlier session; the
    other has none and is not on the file."""
    FundingProgramme.objects.filter(pk=medicaid.pk).update(unit_rule=rule)
    _consent(coach, client_user, ProgrammePayer.objects.get().recipient)
    for hour in (9, 14):
        _signed(coach, supervisor, client_user, medicaid, started=_yesterday_at(hour), minutes=8)
    sign_in(client, admin_user)
    assert _lines(_claim(client, medicaid)) == lines
    # The funder report counts the units as the claim does.
    month = (timezone.localdate() - timedelta(days=1)).replace(day=1)
    assert funder_report(admin_user, month=month, programme=medicaid)["units"] == len(lines)


@pytest.mark.django_db
def test_a_seven_minute_contact_is_never_on_a_claim_nor_disclosed(
    client, coach, supervisor, client_user, admin_user, medicaid
):
    """CMS Pub. 100-04 ch. 5 §20.2: under 8 minutes, no unit."""
    _consent(coach, client_user, ProgrammePayer.objects.get().recipient)
    _signed(coach, supervisor, client_user, medicaid, started=_yesterday_at(10), minutes=7)
    sign_in(client, admin_user)
    page = _preview(client, medicaid)
    assert "0 sessions, 0 units, 0 clients." in page
    assert "Not billed" in page and "No billable unit: 7 minutes" in page
    response = _claim(client, medicaid)
    assert response.status_code == 400
    assert "No billable sessions in those days" in response.content.decode()
    assert not Disclosure.objects.exists()

    # With another client billed on the file, the 7-minute one is still not
    # on it, nor recorded as disclosed.
    other = make_user("noor@example.org", Role.CLIENT, name="Noor Haddad")
    CaseloadAssignment.objects.create(coach=coach, client=other)
    _consent(coach, other, ProgrammePayer.objects.get().recipient)
    _signed(coach, supervisor, other, medicaid, started=_yesterday_at(11), minutes=30)
    rows = _read_csv(_claim(client, medicaid))
    names = [row[CLAIM_HEADER.index("client")] for row in rows[rows.index(CLAIM_HEADER) + 1 :]]
    assert names == ["Noor Haddad"]
    _mark_sent(client)
    assert list(Disclosure.objects.values_list("client", flat=True)) == [other.pk]


@pytest.mark.django_db
def test_seven_and_seven_minutes_bill_one_unit_under_cms(
    client, coach, supervisor, client_user, admin_user, medicaid
):
    """CMS Pub. 100-04 ch. 5 §20.2: 7 + 7 = 14 minutes that day, 1 unit."""
    _consent(coach, client_user, ProgrammePayer.objects.get().recipient)
    for hour in (9, 14):
        _signed(coach, supervisor, client_user, medicaid, started=_yesterday_at(hour), minutes=7)
    sign_in(client, admin_user)
    assert _lines(_claim(client, medicaid)) == [("7", "1")]
    _mark_sent(client)
    assert Disclosure.objects.count() == 1
    # The funder report counts the day's unit too (each note alone had none).
    month = (timezone.localdate() - timedelta(days=1)).replace(day=1)
    assert funder_report(admin_user, month=month, programme=medicaid)["units"] == 1


@pytest.mark.django_db
def test_a_text_contact_is_not_billed_under_a_programme_that_does_not_pay_for_it(
    client, coach, supervisor, client_user, admin_user, medicaid
):
    assert "text" not in medicaid.billable_modalities
    _consent(coach, client_user, ProgrammePayer.objects.get().recipient)
    _signed(
        coach,
        supervisor,
        client_user,
        medicaid,
        started=_yesterday_at(9),
        minutes=30,
        modality="text",
    )
    _signed(coach, supervisor, client_user, medicaid, started=_yesterday_at(14), minutes=30)
    sign_in(client, admin_user)
    page = _preview(client, medicaid)
    assert "Text contact: Medicaid does not pay for this contact mode." in page
    # CMS Pub. 100-04 ch. 5 §20.2: the in-person 30 minutes alone, 2 units.
    assert _lines(_claim(client, medicaid)) == [("30", "2")]


@pytest.mark.django_db
def test_units_past_the_programmes_cap_are_not_billed_and_shown_apart(
    client, coach, supervisor, client_user, admin_user, medicaid
):
    """CMS Pub. 100-04 ch. 5 §20.2: 60 + 30 minutes that day = 6 units; the
    cap of 4 leaves 2 unbilled, listed with the reason."""
    FundingProgramme.objects.filter(pk=medicaid.pk).update(daily_unit_cap=4)
    _consent(coach, client_user, ProgrammePayer.objects.get().recipient)
    _signed(coach, supervisor, client_user, medicaid, started=_yesterday_at(9), minutes=60)
    _signed(coach, supervisor, client_user, medicaid, started=_yesterday_at(11), minutes=40)
    sign_in(client, admin_user)
    page = _preview(client, medicaid)
    assert "1 session, 4 units, 1 client." in page
    assert "units past Medicaid&#x27;s daily cap of 4 units: not billable." in page
    assert _lines(_claim(client, medicaid)) == [("60", "4")]
