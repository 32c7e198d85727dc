"""Billing identities (coaching/services/billing_identities.py): the
organisation (837P 1000A submitter, 2010AA billing provider) and each
coach (2310B rendering provider), checked before anything is saved.

The NPI's tenth digit is a Luhn check digit over the prefix 80840 and the
first nine (CMS, "Requirements for constructing the NPI check digit",
45 CFR 162.406); the billing provider's ZIP is 9 digits (837P 2010AA N403)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from coaching.models import BillingOrganisation, ProviderIdentity
from coaching.services.billing_identities import billing_organisation_set, provider_identity_set

GOOD = {
    "name": "Harbor Peer Recovery",
    "address_line1": "100 Harbor Way",
    "address_line2": "",
    "city": "Springfield",
    "state": "il",
    "postal_code": "62701-1234",
    "npi": "1234567893",
    "tax_id": "12-3456789",
    "taxonomy": "175t00000x",
    "submitter_id": "HPR01",
    "contact_name": "Billing Office",
    "contact_phone": "(217) 555-0100",
}


def test_the_organisation_is_saved_as_claims_carry_it(admin_user):
    organisation = billing_organisation_set(actor=admin_user, **GOOD)

    saved = BillingOrganisation.objects.get(pk=1)
    assert saved == organisation
    assert (saved.state, saved.postal_code, saved.taxonomy, saved.contact_phone) == (
        "IL",
        "627011234",
        "175T00000X",
        "2175550100",
    )
    assert AuditEvent.objects.filter(actor=admin_user, action="billing_organisation.set").exists()
    billing_organisation_set(actor=admin_user, **(GOOD | {"name": "Harbor Recovery"}))
    assert list(BillingOrganisation.objects.values_list("name", flat=True)) == ["Harbor Recovery"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("npi", "1234567890", "fails its check digit (the last digit should be 3)"),
        ("npi", "123456789", "An NPI is 10 digits"),
        ("tax_id", "12345", "A tax id (EIN) is 9 digits"),
        ("taxonomy", "175T0000", "A taxonomy code is 10 characters ending in X"),
        ("postal_code", "62701", "ZIP+4, 9 digits"),
        ("state", "Illinois", "2-letter postal code"),
        ("contact_phone", "555-0100", "10 digits"),
        ("name", "", "This is needed on every claim."),
        ("address_line1", "1 Main St*Suite~2", "no ~ * : ^"),
    ],
)
def test_a_bad_value_is_refused_on_its_field_and_nothing_is_saved(
    admin_user, field, value, message
):
    with pytest.raises(ValidationError) as refusal:
        billing_organisation_set(actor=admin_user, **(GOOD | {field: value}))
    assert message in " ".join(refusal.value.message_dict[field])
    assert not BillingOrganisation.objects.exists()
    assert not AuditEvent.objects.filter(action="billing_organisation.set").exists()


@pytest.mark.parametrize("who", ["coach", "supervisor"])
def test_only_staff_who_bill_set_it(request, who):
    with pytest.raises(PermissionDenied):
        billing_organisation_set(actor=request.getfixturevalue(who), **GOOD)
    assert not BillingOrganisation.objects.exists()


PROVIDER = {
    "last_name": "Rivera",
    "first_name": "Casey",
    "npi": "1003000126",
    "taxonomy": "175T00000X",
    "credential": "CPRS",
}


def test_a_coachs_rendering_identity_and_credential_are_saved(admin_user, coach):
    identity = provider_identity_set(actor=admin_user, coach=coach, **PROVIDER)

    assert ProviderIdentity.objects.get(coach=coach) == identity
    assert (identity.npi, identity.last_name) == ("1003000126", "Rivera")
    coach.refresh_from_db()
    assert coach.credential == "CPRS"
    assert AuditEvent.objects.filter(action="provider_identity.set", object_id=str(coach.pk))


def test_a_bad_npi_for_a_coach_saves_nothing(admin_user, coach):
    with pytest.raises(ValidationError) as refusal:
        provider_identity_set(actor=admin_user, coach=coach, **(PROVIDER | {"npi": "1003000127"}))
    assert "fails its check digit" in refusal.value.message_dict["npi"][0]
    assert not ProviderIdentity.objects.exists()
    coach.refresh_from_db()
    assert coach.credential == ""


def test_two_coaches_cannot_share_an_npi(admin_user, coach, other_coach):
    provider_identity_set(actor=admin_user, coach=coach, **PROVIDER)
    with pytest.raises(ValidationError) as refusal:
        provider_identity_set(actor=admin_user, coach=other_coach, **PROVIDER)
    assert "This NPI is Casey Rivera's already" in refusal.value.message_dict["npi"][0]


def test_a_client_has_no_rendering_identity(admin_user, client_user):
    with pytest.raises(PermissionDenied):
        provider_identity_set(actor=admin_user, coach=client_user, **PROVIDER)


def test_a_coach_cannot_set_their_own(coach):
    with pytest.raises(PermissionDenied):
        provider_identity_set(actor=coach, coach=coach, **PROVIDER)
    assert not ProviderIdentity.objects.exists()
