"""Records -> the 837P (coaching/services/claim_x12.py), checked on the
file: REF*G1 prior authorisation when the programme needs one (837P 2300),
the telehealth modifier of the contact mode (95 video; a payer's GT), a
line's own POS (SV105) when it differs from the claim's CLM05-1 (CMS POS
code set: 10 telehealth in the patient's home, 11 office), the rendering
provider (2310B NM1*82 with the coach's NPI), the billing provider (2010AA
NM1*85, REF*EI) and the member's legal name (2010BA). Valid under pyx12."""

import pytest

from coaching.models import ClaimBatch
from sessions_log.models import FundingProgramme, Session
from tests.coaching.test_billing_views import _yesterday_at
from tests.coaching.test_claims import _batch, assert_valid_and_as_stored, segments
from tests.helpers import COACH_NPIS, ORGANISATION_NPI, billable_contact, billing_identities


@pytest.mark.django_db
def test_the_file_names_who_and_why_from_the_records(coach, supervisor, client_user, admin_user):
    FundingProgramme.objects.filter(name="Medicaid").update(
        requires_prior_auth=True,
        telehealth_modifiers={"video": "GT", "phone": "93"},
        place_codes={"office": "11", "video": "02", "phone": "10", "home": "12", "community": "99"},
    )
    billing_identities(
        coach=coach, client=client_user, admin=admin_user, prior_authorization="PA-7781"
    )
    billable_contact(
        coach,
        client_user,
        started=_yesterday_at(9),
        minutes=30,
        supervisor=supervisor,
        place_type="office",
    )
    # A video contact (logged contacts cannot be video yet: contact_log asks
    # for a link it does not take), as a closed video session would be.
    video = billable_contact(
        coach,
        client_user,
        started=_yesterday_at(13),
        minutes=30,
        supervisor=supervisor,
        modality="phone",
        place_type="video",
    )
    Session.objects.filter(pk=video.pk).update(modality="video")
    lines = assert_valid_and_as_stored(_batch(admin_user).interchange)
    assert [(line["modifiers"], line["pos"]) for line in lines] == [((), "11"), (("GT",), "02")]
    segs = segments(ClaimBatch.objects.get().interchange.file_text)
    clm = next(seg for seg in segs if seg[0] == "CLM")
    assert clm[5] == "11:B:1"
    assert ["REF", "G1", "PA-7781"] in segs
    assert ["NM1", "82", "1", "Rivera", "Casey", "", "", "", "XX", COACH_NPIS[0]] in segs
    assert next(seg for seg in segs if seg[0] == "NM1" and seg[1] == "85")[-1] == ORGANISATION_NPI
    assert ["REF", "EI", "123456789"] in segs
    member = next(seg for seg in segs if seg[0] == "NM1" and seg[1] == "IL")
    assert member[3:5] == ["Park", "Robin"] and member[-1] == "MCD0001"
    assert ["NM1", "PR", "2", "State Medicaid Agency", "", "", "", "", "PI", "ILMCD"] in segs


@pytest.mark.django_db
def test_a_programme_without_fee_leaves_its_lines_out(coach, supervisor, client_user, admin_user):
    billing_identities(coach=coach, client=client_user, admin=admin_user, fee_per_unit="0")
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=30, supervisor=supervisor
    )
    with pytest.raises(Exception, match="Medicaid has no fee per unit set"):
        _batch(admin_user)
    assert not ClaimBatch.objects.exists()
