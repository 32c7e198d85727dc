"""The acting scopes of consents (accounts/policy/consents.py), as the
selectors apply them: who may sign, revoke, end and prepare is narrower than
who reads, and someone outside gets refused with nothing changed."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.policy import consent_signer_scope, consent_staff_scope
from coaching.models import Consent, Recipient
from coaching.selectors.consents import (
    consent_client_for_change,
    consent_for_change,
    consent_for_viewing,
    permissions_for,
)
from coaching.services.consents import consent_end, consent_revoke, consent_sign


@pytest.fixture
def consent(coach, client_user):
    acme = Recipient.objects.get_or_create(name="Acme Health Plan", kind="organisation")[0]
    return Consent.objects.create(
        client=client_user,
        recipient=acme,
        purpose="Billing",
        information=["service_record"],
        ends_on_event="The end of my enrolment",
        prepared_by=coach,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor", "other_client", "admin_user"])
def test_only_the_client_signs_or_revokes(request, who, consent):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        consent_for_change(actor, consent.pk, scope=consent_signer_scope)
    with pytest.raises(PermissionDenied):
        consent_sign(actor=actor, consent=consent, typed_name=actor.display_name, confirmed=True)
    with pytest.raises(PermissionDenied):
        consent_revoke(actor=actor, consent=consent)
    consent.refresh_from_db()
    assert consent.signed_at is None and consent.revoked_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["client_user", "other_coach", "admin_user"])
def test_only_staff_who_see_the_client_end_or_prepare(request, who, consent, client_user):
    consent_sign(
        actor=client_user, consent=consent, typed_name=client_user.display_name, confirmed=True
    )
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        consent_for_change(actor, consent.pk, scope=consent_staff_scope)
    with pytest.raises(PermissionDenied):
        consent_client_for_change(actor, client_user.pk)
    with pytest.raises(PermissionDenied):
        consent_end(actor=actor, consent=consent)
    consent.refresh_from_db()
    assert consent.revoked_at is None


@pytest.mark.django_db
def test_who_acts_still_reads_and_the_flags_say_so(coach, supervisor, client_user, consent):
    assert consent_for_change(client_user, consent.pk) == consent
    for staff in (coach, supervisor):
        assert consent_for_change(staff, consent.pk, scope=consent_staff_scope) == consent
        assert consent_client_for_change(staff, client_user.pk) == client_user
    found = {}
    for who in (coach, client_user):
        page = consent_for_viewing(who, consent.pk)
        flags = permissions_for(who, page["consent"])
        found[who.email] = (flags.can_manage, flags.can_sign)
    assert found == {coach.email: (True, False), client_user.email: (False, True)}
