"""The claim's acting rule (accounts/policy/billing.py: bills), as
claim_for_change applies it: staff who bill build a claim, nobody else."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.policy.billing import claim_batch_scope, sent_claim_scope
from coaching.models import Claim, ClaimBatch, Disclosure
from coaching.selectors.billing import claim_for_change, permissions_for
from coaching.services.claims import claim_batch_create
from sessions_log.models import FundingProgramme
from tests.coaching.test_billing_views import _yesterday_at
from tests.helpers import billable_contact, billing_identities


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor", "client_user"])
def test_only_staff_who_bill_build_a_claim(request, who, admin_user):
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    actor = request.getfixturevalue(who)
    days = {"start": date(2026, 1, 1), "end": date(2026, 1, 31), "programme": medicaid}

    with pytest.raises(PermissionDenied):
        claim_for_change(actor, **days)
    assert not permissions_for(actor).can_claim
    assert claim_for_change(admin_user, **days) == []
    assert permissions_for(admin_user).can_claim


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor", "client_user"])
def test_only_staff_who_bill_make_a_claim_batch_and_see_batches(
    request, who, coach, supervisor, client_user, admin_user
):
    """claim_batch_scope / sent_claim_scope: staff who bill, every batch;
    anyone else, none. A coach or supervisor cannot make a batch: nothing
    is created nor disclosed."""
    billing_identities(coach=coach, client=client_user, admin=admin_user)
    billable_contact(
        coach, client_user, started=_yesterday_at(10), minutes=30, supervisor=supervisor
    )
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    actor = request.getfixturevalue(who)
    day = timezone.localdate()
    with pytest.raises(PermissionDenied):
        claim_batch_create(
            actor=actor, programmes=[medicaid], start=day - timedelta(days=1), end=day
        )
    assert not ClaimBatch.objects.exists() and not Disclosure.objects.exists()
    assert not ClaimBatch.objects.filter(claim_batch_scope(actor)).exists()
    claim_batch_create(
        actor=admin_user, programmes=[medicaid], start=day - timedelta(days=1), end=day
    )
    assert ClaimBatch.objects.filter(claim_batch_scope(admin_user)).count() == 1
    assert not ClaimBatch.objects.filter(claim_batch_scope(actor)).exists()
    assert not Claim.objects.filter(sent_claim_scope(actor)).exists()
    assert Claim.objects.filter(sent_claim_scope(admin_user)).count() == 1
