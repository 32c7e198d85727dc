"""Voiding and replacing a sent claim (issue 27, point 5): claim frequency
codes 8 and 7 (837P 2300 CLM05-3) citing the payer's claim number (REF*F8,
"payer claim control number"), each file valid under pyx12; a replacement
bills the sessions' current time after an addendum corrected it (CMS Pub.
100-04 ch. 5 §20.2 units)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.models import PayerIdentity
from coaching.models import Claim, ClaimBatch, ClaimLine, Disclosure, LineState
from coaching.selectors.claims import ready_lines
from coaching.services.claim_sending import claim_batch_mark_sent
from coaching.services.claims import (
    claim_batch_accept,
    sent_claim_replace,
    sent_claim_void,
)
from sessions_log.models import FundingProgramme
from sessions_log.services.notes import addendum_add
from tests.coaching.test_billing_views import _yesterday_at
from tests.coaching.test_claims import _batch, _yesterday, assert_valid_and_as_stored
from tests.helpers import billable_contact, billing_identities, sign_in


@pytest.fixture
def sent(coach, supervisor, client_user, admin_user):
    """A 38-minute contact (3 units) sent in a batch the payer answered
    with its claim number PCN-1."""
    billing_identities(coach=coach, client=client_user, admin=admin_user)
    session = billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=38, supervisor=supervisor
    )
    result = _batch(admin_user)
    claim_batch_mark_sent(actor=admin_user, batch_pk=result.batches[0].pk)
    claim_batch_accept(actor=admin_user, batch_pk=result.batches[0].pk)
    claim = Claim.objects.get()
    claim.payer_claim_number = "PCN-1"
    claim.save()
    return claim, session


def _corrected_to_20_minutes(coach, session):
    addendum_add(
        actor=coach,
        note=session.note,
        text="Ended early: 20 minutes, not 38.",
        corrected_start=session.actual_start,
        corrected_minutes=20,
    )


@pytest.mark.django_db
def test_a_void_carries_frequency_8_and_the_payers_claim_number(admin_user, sent):
    claim, session = sent
    result = sent_claim_void(actor=admin_user, claim_pk=claim.pk)
    (line,) = assert_valid_and_as_stored(result.interchange)
    assert (line["frequency"], line["original"]) == ("8", "PCN-1")
    assert (line["units"], line["charge"]) == (3, Decimal("55.50"))
    assert "REF*F8*PCN-1~" in result.interchange.file_text
    assert result.batches[0].frequency == "8"
    assert list(ClaimLine.objects.values_list("state", flat=True).order_by("pk")) == [
        LineState.VOIDED,
        LineState.VOIDED,
    ]
    # Voided twice: refused, nothing more made.
    with pytest.raises(ValidationError, match="already voided or replaced"):
        sent_claim_void(actor=admin_user, claim_pk=claim.pk)
    assert ClaimBatch.objects.count() == 2


@pytest.mark.django_db
def test_a_replacement_bills_the_corrected_minutes_with_frequency_7(coach, admin_user, sent):
    """An addendum corrects 38 minutes to 20: the replacement bills 1 unit
    (CMS Pub. 100-04 ch. 5 §20.2: 8-22 minutes), the old line is replaced."""
    claim, session = sent
    _corrected_to_20_minutes(coach, session)
    result = sent_claim_replace(actor=admin_user, claim_pk=claim.pk)
    (line,) = assert_valid_and_as_stored(result.interchange)
    assert (line["frequency"], line["original"], line["units"]) == ("7", "PCN-1", 1)
    assert line["charge"] == Decimal("18.50")
    states = dict(ClaimLine.objects.values_list("claim__frequency", "state"))
    assert states == {"1": LineState.REPLACED, "7": LineState.IN_BATCH}
    new = Claim.objects.get(frequency="7")
    assert new.original == claim
    assert Disclosure.objects.count() == 1  # the replacement is not sent yet
    claim_batch_mark_sent(actor=admin_user, batch_pk=new.batch_id)
    assert Disclosure.objects.count() == 2  # the batch and the replacement
    # The session is on one live line: not ready again.
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    ready = ready_lines(admin_user, programmes=[medicaid], start=_yesterday(), end=_yesterday())
    assert ready.lines == [] and len(ready.billed) == 1


@pytest.mark.django_db
def test_a_claim_the_payer_has_not_answered_cannot_be_voided_or_replaced(
    coach, supervisor, client_user, admin_user
):
    billing_identities(coach=coach, client=client_user, admin=admin_user)
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=30, supervisor=supervisor
    )
    _batch(admin_user)
    claim = Claim.objects.get()
    for correct in (sent_claim_void, sent_claim_replace):
        with pytest.raises(ValidationError, match="The payer has not answered this claim yet"):
            correct(actor=admin_user, claim_pk=claim.pk)
    assert ClaimBatch.objects.count() == 1
    assert list(ClaimLine.objects.values_list("state", flat=True)) == [LineState.IN_BATCH]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor", "client_user"])
def test_only_staff_who_bill_void_or_replace(request, who, admin_user, sent):
    claim, _ = sent
    actor = request.getfixturevalue(who)
    for correct in (sent_claim_void, sent_claim_replace):
        with pytest.raises(Http404):
            correct(actor=actor, claim_pk=claim.pk)
    assert ClaimBatch.objects.count() == 1
    assert set(ClaimLine.objects.values_list("state", flat=True)) == {LineState.ACCEPTED}


@pytest.mark.django_db
def test_a_void_without_the_members_identity_is_refused_and_changes_nothing(
    client_user, admin_user, sent
):
    claim, _ = sent
    PayerIdentity.objects.filter(client=client_user).delete()
    with pytest.raises(ValidationError, match="no payer identity"):
        sent_claim_void(actor=admin_user, claim_pk=claim.pk)
    assert ClaimBatch.objects.count() == 1 and Disclosure.objects.count() == 1
    assert list(ClaimLine.objects.values_list("state", flat=True)) == [LineState.ACCEPTED]


@pytest.mark.django_db
def test_a_line_corrected_after_sending_is_flagged_until_the_claim_is_replaced(
    client, coach, admin_user, sent
):
    """Issue 27 point 1: after signing, minutes change only by an addendum,
    and a line already sent must then be replaced: the pages say which."""
    claim, session = sent
    sign_in(client, admin_user)
    batch_page = reverse("coaching:claim_batch", args=[claim.batch_id])
    assert "Corrected after sending" not in client.get(batch_page).content.decode()
    _corrected_to_20_minutes(coach, session)
    page = client.get(batch_page).content.decode()
    assert "Corrected after sending" in page
    assert "what the payer holds is wrong" in page
    assert (
        "1 corrected after sending: replace"
        in client.get(reverse("coaching:billing")).content.decode()
    )

    replacement = sent_claim_replace(actor=admin_user, claim_pk=claim.pk).batches[0]
    assert "Corrected after sending" not in client.get(batch_page).content.decode()
    page = client.get(reverse("coaching:claim_batch", args=[replacement.pk])).content.decode()
    assert "Corrected after sending" not in page
    assert "corrected after sending" not in client.get(reverse("coaching:billing")).content.decode()
