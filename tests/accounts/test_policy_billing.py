"""The claim's acting rule (accounts/policy/billing.py: bills), as
claim_for_change applies it: staff who bill build a claim, nobody else."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from coaching.selectors.billing import claim_for_change, permissions_for
from sessions_log.models import FundingProgramme


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
