"""Claim batches made from records (issue 27, points 4 to 6): the 837P of
every batch passes pyx12 (005010X222A1) and, parsed back here, states each
line's member, date, code, modifiers, POS, units and charge as the
database holds them; units follow CMS Pub. 100-04 ch. 5 §20.2; a line
missing anything a payer needs is left out with why, never billed blank; a
session is in at most one live batch."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, PayerIdentity, Role
from coaching.models import ClaimBatch, ClaimLine, Disclosure, LineState
from coaching.selectors.claims import ready_for_viewing, ready_lines
from coaching.services.claim_sending import claim_batch_mark_sent
from coaching.services.claims import claim_batch_create, claim_interchange_file
from coaching.x12.validate import validate
from sessions_log.models import FundingProgramme
from tests.coaching.test_billing_views import _yesterday_at
from tests.conftest import make_user
from tests.helpers import billable_contact, billing_identities, count_queries


def segments(text):
    """The 837P split here (not by the library): ~ segments, * elements."""
    return [raw.strip().split("*") for raw in text.split("~") if raw.strip()]


def lines_back(text):
    """Per 2400 service line: the member (2010BA NM109), date (DTP*472),
    code and modifiers (SV101), POS (SV105, else CLM05-1), units (SV104),
    charge (SV102), control number (REF*6R), and the claim's CLM05-3 and
    REF*F8."""
    found, member, place, frequency, original = [], None, None, None, ""
    for seg in segments(text):
        if seg[0] == "NM1" and seg[1] == "IL":
            member = seg[9]
        elif seg[0] == "CLM":
            place, _, frequency = seg[5].split(":")
            original = ""
        elif seg[0] == "REF" and seg[1] == "F8":
            original = seg[2]
        elif seg[0] == "SV1":
            procedure = seg[1].split(":")
            found.append(
                {
                    "member": member,
                    "code": procedure[1],
                    "modifiers": tuple(procedure[2:]),
                    "charge": Decimal(seg[2]),
                    "units": int(seg[4]),
                    "pos": seg[5] if len(seg) > 5 and seg[5] else place,
                    "frequency": frequency,
                    "original": original,
                }
            )
        elif seg[0] == "DTP" and seg[1] == "472":
            found[-1]["date"] = seg[3]
        elif seg[0] == "REF" and seg[1] == "6R":
            found[-1]["control"] = seg[2]
    return found


def lines_in_db(interchange):
    return [
        {
            "member": line.claim.client.payer_identity.member_id,
            "code": line.code,
            "modifiers": tuple(line.modifiers),
            "charge": line.charge,
            "units": line.units,
            "pos": line.place_of_service,
            "frequency": line.claim.frequency,
            "original": line.claim.original.payer_claim_number if line.claim.original else "",
            "date": line.service_date.strftime("%Y%m%d"),
            "control": line.control_number,
        }
        for line in ClaimLine.objects.filter(claim__batch__interchange=interchange)
        .select_related("claim__client__payer_identity", "claim__original")
        .order_by("control_number")
    ]


def assert_valid_and_as_stored(interchange):
    """pyx12 reports no error, and every line reads back as the DB holds it."""
    text = interchange.file_text
    assert validate(text) == []
    back = sorted(lines_back(text), key=lambda line: line["control"])
    assert back == lines_in_db(interchange)
    return back


def _yesterday():
    return timezone.localdate() - timedelta(days=1)


def _batch(admin, programme=None):
    programme = programme or FundingProgramme.objects.get(name="Medicaid")
    return claim_batch_create(
        actor=admin, programmes=[programme], start=_yesterday(), end=_yesterday()
    )


@pytest.fixture
def billed(coach, client_user, admin_user):
    return billing_identities(coach=coach, client=client_user, admin=admin_user)


@pytest.mark.django_db
def test_a_batch_837p_is_valid_and_states_each_line_as_the_database(
    coach, supervisor, client_user, admin_user, billed
):
    """837P 005010X222A1: 2010BA NM109 member id, 2400 SV1 (HC:H0038:HQ:93,
    charge, UN units, SV105 POS when it differs from CLM05-1), DTP*472,
    REF*6R; a phone contact carries the audio-only modifier 93 and POS 10
    (CMS POS code set: telehealth in the patient's home)."""
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=38, supervisor=supervisor
    )
    billable_contact(
        coach,
        client_user,
        started=_yesterday_at(14),
        minutes=30,
        supervisor=supervisor,
        modality="phone",
        place_type="phone",
        modifiers="HQ",
    )
    result = _batch(admin_user)
    (batch,) = result.batches
    lines = assert_valid_and_as_stored(result.interchange)
    day = _yesterday().strftime("%Y%m%d")
    assert [
        (ln["code"], ln["modifiers"], ln["pos"], ln["units"], ln["charge"]) for ln in lines
    ] == [
        ("H0038", (), "99", 3, Decimal("55.50")),
        ("H0038", ("HQ", "93"), "10", 2, Decimal("37.00")),
    ]
    assert {ln["date"] for ln in lines} == {day}
    assert {ln["member"] for ln in lines} == {"MCD0001"}
    assert set(ClaimLine.objects.values_list("state", flat=True)) == {LineState.IN_BATCH}
    # 42 CFR 2.25: made is not sent; marked sent, one disclosure for the
    # client, to the payer, with the dates of service the file holds.
    assert not Disclosure.objects.exists()
    claim_batch_mark_sent(actor=admin_user, batch_pk=batch.pk)
    disclosure = Disclosure.objects.get()
    assert (disclosure.client, disclosure.recipient) == (client_user, billed.payer.recipient)
    assert (disclosure.service_from, disclosure.service_to) == (_yesterday(), _yesterday())
    assert result.left_out == []
    text = result.interchange.file_text
    assert "REF*G1" not in text  # the programme needs no prior authorisation
    assert "HI*ABK:F1120~" in text


@pytest.mark.django_db
def test_a_60_minute_booking_closed_after_20_minutes_bills_one_unit(
    coach, supervisor, client_user, admin_user, billed
):
    """CMS Pub. 100-04 ch. 5 §20.2: 20 minutes spent is 1 unit (8-22), whatever was booked."""
    session = billable_contact(
        coach, client_user, started=_yesterday_at(10), minutes=20, supervisor=supervisor
    )
    session.refresh_from_db()
    assert session.minutes_spent == 20
    (line,) = assert_valid_and_as_stored(_batch(admin_user).interchange)
    assert (line["units"], line["charge"]) == (1, Decimal("18.50"))


@pytest.mark.parametrize(("rule", "units"), [("cms_day_total", [1]), ("per_session", [1, 1])])
@pytest.mark.django_db
def test_eight_and_eight_minutes_bill_one_unit_under_cms_and_two_per_session(
    coach, supervisor, client_user, admin_user, billed, rule, units
):
    """CMS Pub. 100-04 ch. 5 §20.2: the day's 16 timed minutes are 1 unit;
    rounded per session (a payer's own rule), 2."""
    FundingProgramme.objects.filter(name="Medicaid").update(unit_rule=rule)
    for hour in (9, 14):
        billable_contact(
            coach, client_user, started=_yesterday_at(hour), minutes=8, supervisor=supervisor
        )
    lines = assert_valid_and_as_stored(_batch(admin_user).interchange)
    assert [line["units"] for line in lines] == units


@pytest.mark.django_db
def test_a_seven_minute_contact_and_a_text_contact_are_never_on_a_claim(
    coach, supervisor, client_user, admin_user, billed
):
    """CMS Pub. 100-04 ch. 5 §20.2: under 8 minutes, no unit; the programme
    does not pay for text messages."""
    billable_contact(coach, client_user, started=_yesterday_at(9), minutes=7, supervisor=supervisor)
    billable_contact(
        coach,
        client_user,
        started=_yesterday_at(12),
        minutes=30,
        supervisor=supervisor,
        modality="text",
    )
    with pytest.raises(ValidationError) as refused:
        _batch(admin_user)
    message = " ".join(refused.value.messages)
    assert "No billable unit: 7 minutes" in message
    assert "Text contact: Medicaid does not pay for this contact mode." in message
    assert not ClaimBatch.objects.exists() and not Disclosure.objects.exists()


@pytest.mark.django_db
def test_a_client_without_member_id_is_left_out_with_the_reason(
    coach, supervisor, client_user, admin_user, billed
):
    other = make_user("noor@example.org", Role.CLIENT, name="Noor Haddad")
    CaseloadAssignment.objects.create(coach=coach, client=other)
    billing_identities(coach=coach, client=other, admin=admin_user, member_id="MCD0002")
    PayerIdentity.objects.filter(client=client_user).update(member_id="")
    for hour, person in ((9, client_user), (11, other)):
        billable_contact(
            coach, person, started=_yesterday_at(hour), minutes=30, supervisor=supervisor
        )
    result = _batch(admin_user)
    lines = assert_valid_and_as_stored(result.interchange)
    assert {line["member"] for line in lines} == {"MCD0002"}
    (left,) = result.left_out
    assert (left.client, left.reasons) == (client_user, ("No member id.",))
    # Not disclosed to the payer: only the client on the file is, once sent.
    claim_batch_mark_sent(actor=admin_user, batch_pk=result.batches[0].pk)
    assert list(Disclosure.objects.values_list("client", flat=True)) == [other.pk]


@pytest.mark.django_db
def test_every_missing_thing_is_listed_and_the_line_left_out(
    coach, supervisor, client_user, admin_user, billed
):
    """837P 2010BA (member), 2310B (rendering NPI), 2300 HI (diagnosis),
    REF*G1 (prior authorisation): each missing one is named."""
    FundingProgramme.objects.filter(name="Medicaid").update(requires_prior_auth=True)
    PayerIdentity.objects.filter(client=client_user).update(
        date_of_birth="", sex="", legal_last_name=""
    )
    billed.provider.delete()
    billed.episode.diagnosis_code = ""
    billed.episode.save()
    session = billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=30, supervisor=supervisor
    )
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    ready = ready_lines(admin_user, programmes=[medicaid], start=_yesterday(), end=_yesterday())
    assert ready.lines == []
    (left,) = ready.left_out
    assert left.session == session
    assert left.reasons == (
        "No date of birth.",
        "No legal name / sex on the payer identity.",
        "Coach Casey Rivera has no rendering NPI.",
        "The episode has no diagnosis.",
        "Medicaid needs a prior authorisation: the episode has none.",
    )


@pytest.mark.django_db
def test_without_a_consent_naming_the_payer_nothing_is_sent(
    coach, supervisor, client_user, admin_user
):
    billing_identities(coach=coach, client=client_user, admin=admin_user, consent=False)
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=30, supervisor=supervisor
    )
    with pytest.raises(ValidationError) as refused:
        _batch(admin_user)
    assert "No consent naming State Medicaid Agency for the service record" in str(refused.value)
    assert not ClaimBatch.objects.exists() and not Disclosure.objects.exists()


@pytest.mark.django_db
def test_two_creates_on_the_same_days_make_one_batch_and_name_it(
    coach, supervisor, client_user, admin_user, billed
):
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=30, supervisor=supervisor
    )
    first = _batch(admin_user).batches[0]
    claim_batch_mark_sent(actor=admin_user, batch_pk=first.pk)
    with pytest.raises(ValidationError) as refused:
        _batch(admin_user)
    assert f"already in claim batch {first.pk}" in str(refused.value)
    assert ClaimBatch.objects.count() == 1
    assert Disclosure.objects.count() == 1


@pytest.mark.django_db
def test_downloading_again_gives_the_same_bytes(coach, supervisor, client_user, admin_user, billed):
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=30, supervisor=supervisor
    )
    batch = _batch(admin_user).batches[0]
    name, first = claim_interchange_file(actor=admin_user, batch_pk=batch.pk)
    again = claim_interchange_file(actor=admin_user, batch_pk=batch.pk)
    assert again == (name, first)
    assert first.encode() == again[1].encode() and validate(first) == []


@pytest.mark.django_db
def test_an_incomplete_organisation_identity_refuses_the_batch(
    coach, supervisor, client_user, admin_user, billed
):
    billed.organisation.npi = "1234567890"
    billed.organisation.save()
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=30, supervisor=supervisor
    )
    with pytest.raises(ValidationError) as refused:
        _batch(admin_user)
    assert "fails its check digit" in str(refused.value)
    assert not ClaimBatch.objects.exists() and not Disclosure.objects.exists()


@pytest.mark.django_db
def test_the_ready_lines_page_read_audits_the_clients_in_fixed_queries(
    coach, supervisor, client_user, admin_user, billed
):
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    days = {"programmes": [medicaid], "start": _yesterday(), "end": _yesterday()}
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=30, supervisor=supervisor
    )
    few, ready = count_queries(ready_for_viewing, admin_user, **days)
    assert len(ready.lines) == 1
    assert AuditEvent.objects.filter(action="claim.ready", client=client_user).count() == 1
    for n in range(3):
        other = make_user(f"c{n}@example.org", Role.CLIENT, name=f"Client {n}")
        CaseloadAssignment.objects.create(coach=coach, client=other)
        billing_identities(coach=coach, client=other, admin=admin_user)
        billable_contact(
            coach, other, started=_yesterday_at(11 + n), minutes=30, supervisor=supervisor
        )
    many, ready = count_queries(ready_for_viewing, admin_user, **days)
    assert len(ready.lines) == 4
    assert many == few
