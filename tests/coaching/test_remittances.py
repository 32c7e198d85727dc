"""Uploading a payer's 835 (coaching/services/remittances.py remittance_apply):
each line it answers is paid or denied with the payer's codes, and a file
that cannot be used is refused with a message and changes nothing.

The 835 is the ASC X12 005010X221A1 Health Care Claim Payment/Advice: CLP01
echoes the claim's CLM01 (2100 CLP), REF*6R the line's control number (2110
REF, "Line Item Control Number"), CLP07 is the payer's claim control number,
CAS the claim adjustment group and reason codes (2110 CAS), TRN02 the check
or EFT trace number (TRN, "Reassociation Trace Number"), N1*PE the payee's
NPI (1000B N104)."""

import dataclasses
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from coaching.models import Claim, ClaimLine, LineState, Remittance
from coaching.selectors.claims import batch_for_viewing
from coaching.services.claims import claim_batch_create
from coaching.services.remittances import remittance_apply
from coaching.x12.claims import write_837p
from coaching.x12.payer import remittance_for
from coaching.x12.validate import validate
from sessions_log.models import FundingProgramme
from tests.coaching.remittance_helpers import (
    OTHER_NPI,
    as_sent,
    billing_organisation,
    remittance_835,
    sent_claim,
    written,
)
from tests.coaching.test_billing_views import _yesterday_at
from tests.coaching.test_claims import _yesterday
from tests.coaching.test_x12 import claim as x12_claim
from tests.coaching.test_x12 import interchange, line, transaction
from tests.helpers import billable_contact, billing_identities


@pytest.fixture
def sent(admin_user, coach, client_user):
    billing_organisation()
    return sent_claim(admin_user, coach, client_user, lines=2)


def _states(claim):
    return [
        (line.state, line.paid_amount, line.reason_codes, line.remittance_id)
        for line in claim.lines.order_by("pk")
    ]


def _unchanged(claim):
    assert _states(claim) == [(LineState.IN_BATCH, Decimal("0.00"), [], None)] * 2
    assert Claim.objects.get(pk=claim.pk).payer_claim_number == ""
    assert not Remittance.objects.exists()
    assert not AuditEvent.objects.filter(action="remittance.upload").exists()


def _refused(actor, text, message):
    with pytest.raises(ValidationError) as refusal:
        remittance_apply(actor=actor, text=text)
    assert message in " ".join(refusal.value.messages)


def test_it_marks_each_line_paid_or_denied_with_the_payers_codes(admin_user, sent):
    """835 2110 SVC/CAS/REF*6R: a line paid anything is paid, a line paid
    nothing is denied with its group and reason codes (CO-197: precertification
    absent); CLP07 is kept as the payer's claim number."""
    first, second = sent.lines.order_by("pk")
    text = remittance_835(
        [sent], trace="CHK0042", denied={second.control_number: [("CO", "197"), ("PR", "96")]}
    )

    remittance = remittance_apply(actor=admin_user, text=text)

    assert (remittance.lines_paid, remittance.lines_denied) == (1, 1)
    assert remittance.trace_number == "CHK0042"
    assert remittance.payment_amount == Decimal("60.00")
    assert remittance.file_text == text
    assert _states(sent) == [
        (LineState.PAID, Decimal("60.00"), [], remittance.pk),
        (LineState.DENIED, Decimal("0.00"), ["CO-197", "PR-96"], remittance.pk),
    ]
    assert Claim.objects.get(pk=sent.pk).payer_claim_number == "CHK0042-1"
    event = AuditEvent.objects.get(action="remittance.upload")
    assert (event.actor, event.object_id) == (admin_user, str(remittance.pk))


def test_a_partly_paid_line_is_paid_with_the_amount_and_the_contractual_adjustment(
    admin_user, sent
):
    """835 2110 CAS CO-45: the charge exceeds the fee schedule; what was paid is kept."""
    first, _ = sent.lines.order_by("pk")
    text = remittance_835([sent], paid={first.control_number: Decimal("42.50")})

    remittance_apply(actor=admin_user, text=text)

    first.refresh_from_db()
    assert (first.state, first.paid_amount, first.reason_codes) == (
        LineState.PAID,
        Decimal("42.50"),
        ["CO-45"],
    )


def test_a_second_upload_of_the_same_trace_is_refused(admin_user, sent):
    """TRN02 with TRN03 (the payer) names one payment: uploaded twice, it would count twice."""
    text = remittance_835([sent], trace="CHK0042")
    remittance_apply(actor=admin_user, text=text)
    before = _states(sent)

    _refused(admin_user, text, "was uploaded already on")

    assert _states(sent) == before
    assert Remittance.objects.count() == 1


def test_a_remittance_for_another_payee_is_refused(admin_user, sent):
    """1000B N1*PE N104: the payee's NPI must be the organisation's billing NPI."""
    _refused(admin_user, remittance_835([sent], npi=OTHER_NPI), "for another payee")
    _unchanged(sent)


def test_a_claim_that_is_not_ours_is_refused(admin_user, sent, coach, client_user):
    """2100 CLP01 must be a claim id the organisation sent; the whole file is refused."""
    foreign = dataclasses.replace(as_sent(sent), claim_id="NOTOURS1")
    remittance = remittance_for(
        [as_sent(sent), foreign], payment_date=sent.batch.first_day, trace_number="T1"
    )
    text = written(remittance)
    _refused(admin_user, text, "claim NOTOURS1, which is not one of ours")
    _unchanged(sent)


def test_a_line_that_is_not_the_claims_is_refused(admin_user, sent):
    """2110 REF*6R must be one of that claim's lines."""
    sent_as = as_sent(sent)
    lines = (sent_as.lines[0], dataclasses.replace(sent_as.lines[1], control_number="ELSEWHERE"))
    other = dataclasses.replace(sent_as, lines=lines)
    text = written(remittance_for([other], payment_date=sent.batch.first_day, trace_number="T2"))
    _refused(admin_user, text, "the line ELSEWHERE is not one of that claim's lines")
    _unchanged(sent)


def test_a_truncated_file_is_refused(admin_user, sent):
    text = remittance_835([sent])
    _refused(admin_user, text[: len(text) // 2], "This is not a valid 835")
    _unchanged(sent)


def test_a_file_whose_totals_do_not_balance_is_refused(admin_user, sent):
    """835 BPR02 (the total paid) must equal the claims' CLP04 less PLB adjustments."""
    text = remittance_835([sent]).replace("BPR*I*120*", "BPR*I*125*")
    assert "BPR*I*125*" in text
    _refused(admin_user, text, "This is not a valid 835")
    _unchanged(sent)


def test_an_837_uploaded_by_mistake_is_refused(admin_user, sent):
    text = write_837p(interchange(transaction([x12_claim(sent.claim_id, [line(1)])])))
    _refused(admin_user, text, "not an 835 remittance advice")
    _unchanged(sent)


def test_junk_is_refused(admin_user, sent):
    _refused(admin_user, "hello, this is not X12", "This is not a valid 835")
    _unchanged(sent)


def test_it_is_for_the_staff_who_bill(coach, sent):
    with pytest.raises(PermissionDenied):
        remittance_apply(actor=coach, text=remittance_835([sent]))
    _unchanged(sent)


def test_a_voided_line_is_not_answered_on_its_own(admin_user, sent):
    first = sent.lines.order_by("pk").first()
    ClaimLine.objects.filter(pk=first.pk).update(state=LineState.VOIDED)

    _refused(admin_user, remittance_835([sent]), "was voided")

    assert not Remittance.objects.exists()


@pytest.mark.django_db
def test_an_835_answering_a_batch_made_from_records_marks_its_lines_and_is_valid(
    coach, supervisor, client_user, admin_user
):
    """The round trip of issue 27: a batch made from signed sessions
    (837P), the stand-in payer's 835 for it (valid under pyx12, 835
    005010X221A1), one line paid and one denied CO-197 (precertification
    absent), uploaded: each line takes the payer's answer, the claim its
    CLP07; the batch page's figures follow."""
    billing_identities(coach=coach, client=client_user, admin=admin_user)
    for hour in (9, 14):
        billable_contact(
            coach, client_user, started=_yesterday_at(hour), minutes=30, supervisor=supervisor
        )
    made = claim_batch_create(
        actor=admin_user,
        programmes=[FundingProgramme.objects.get(name="Medicaid")],
        start=_yesterday(),
        end=_yesterday(),
    )
    (claim,) = Claim.objects.filter(batch__interchange=made.interchange)
    first, second = claim.lines.order_by("service_date", "pk")
    answer = remittance_835([claim], denied={second.control_number: [("CO", "197")]})
    assert validate(answer) == []
    remittance_apply(actor=admin_user, text=answer)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.paid_amount, first.reason_codes) == (
        LineState.PAID,
        first.charge,
        [],
    )
    assert (second.state, second.paid_amount, second.reason_codes) == (
        LineState.DENIED,
        Decimal("0.00"),
        ["CO-197"],
    )
    assert Claim.objects.get(pk=claim.pk).payer_claim_number
    figures = batch_for_viewing(admin_user, made.batches[0].pk)
    assert figures["states"] == {LineState.PAID: 1, LineState.DENIED: 1}
    assert figures["paid"] == first.charge
