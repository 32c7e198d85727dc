"""Marking a claim file sent (issue 28, point 7): a batch counts as
disclosed when staff mark it sent, not when it is made (42 CFR 2.25;
45 CFR 164.528(b)(2)); each consent is checked again then, and a client
whose consent was revoked since the file was made is taken out and named."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import CaseloadAssignment, Role
from coaching.models import ClaimLine, Consent, Disclosure
from coaching.selectors.claims import ready_lines
from coaching.services.claim_sending import claim_batch_mark_sent
from coaching.services.claims import claim_interchange_file
from coaching.services.revocations import consent_revoke
from sessions_log.models import FundingProgramme
from tests.coaching.test_billing_views import _yesterday_at
from tests.coaching.test_claims import _batch, _yesterday
from tests.conftest import make_user
from tests.helpers import billable_contact, billing_identities, sign_in


def _two_clients(coach, supervisor, client_user, admin_user):
    other = make_user("noor@example.org", Role.CLIENT, name="Noor Haddad")
    CaseloadAssignment.objects.create(coach=coach, client=other)
    for hour, person, member in ((9, client_user, "MCD0001"), (11, other, "MCD0002")):
        billing_identities(coach=coach, client=person, admin=admin_user, member_id=member)
        billable_contact(
            coach, person, started=_yesterday_at(hour), minutes=30, supervisor=supervisor
        )
    return other


@pytest.mark.django_db
def test_making_a_batch_records_no_disclosure_marking_it_sent_records_each_client(
    coach, supervisor, client_user, admin_user
):
    """42 CFR 2.25 / 45 CFR 164.528(b)(2): the date sent, the recipient and
    their address, the purpose, the dates of service of the file."""
    other = _two_clients(coach, supervisor, client_user, admin_user)
    result = _batch(admin_user)
    assert not Disclosure.objects.exists()
    batch = result.batches[0]
    done = claim_batch_mark_sent(actor=admin_user, batch_pk=batch.pk)
    assert done.removed == [] and [b.pk for b in done.sent] == [batch.pk]
    rows = list(Disclosure.objects.order_by("client_id"))
    assert [row.client_id for row in rows] == sorted([client_user.pk, other.pk])
    for row in rows:
        consent = Consent.objects.get(pk=row.consent_id)
        assert row.purpose == consent.purpose
        assert row.recipient_address == row.recipient.address
        assert (row.service_from, row.service_to) == (_yesterday(), _yesterday())
        assert row.sent_by == "app_file"
    batch.refresh_from_db()
    assert batch.sent_at is not None and batch.sent_by == admin_user
    with pytest.raises(ValidationError, match="marked sent already"):
        claim_batch_mark_sent(actor=admin_user, batch_pk=batch.pk)
    assert Disclosure.objects.count() == 2


@pytest.mark.django_db
def test_marking_a_batch_sent_after_a_revocation_leaves_the_revoked_client_out(
    client, coach, supervisor, client_user, admin_user
):
    """The issue's Done-when: the revoked client is taken out (claims and
    lines gone, the session back on Billing as 'no consent'), the file is
    written again without them, the page names them; once marked sent only
    the other client is disclosed (42 CFR 2.25, 2.31(a)(6) revocation)."""
    other = _two_clients(coach, supervisor, client_user, admin_user)
    batch = _batch(admin_user).batches[0]
    consent = Consent.objects.get(client=client_user, revoked_at__isnull=True)
    consent_revoke(actor=client_user, consent=consent)
    _, before = claim_interchange_file(actor=admin_user, batch_pk=batch.pk)
    assert "MCD0001" in before
    sign_in(client, admin_user)
    response = client.post(reverse("coaching:claim_batch_sent", args=[batch.pk]), follow=True)
    page = response.content.decode()
    assert f"{client_user.display_name} was removed from batch {batch.pk}" in page
    assert "their consent was revoked on" in page
    assert "download the file again before you send it" in page
    assert not Disclosure.objects.exists()
    _, after = claim_interchange_file(actor=admin_user, batch_pk=batch.pk)
    assert "MCD0001" not in after and "MCD0002" in after
    assert not ClaimLine.objects.filter(claim__client=client_user).exists()
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    ready = ready_lines(admin_user, programmes=[medicaid], start=_yesterday(), end=_yesterday())
    (left,) = [item for item in ready.left_out if item.client == client_user]
    assert any("No consent naming" in reason for reason in left.reasons)
    client.post(reverse("coaching:claim_batch_sent", args=[batch.pk]))
    assert list(Disclosure.objects.values_list("client", flat=True)) == [other.pk]


@pytest.mark.django_db
def test_marking_sent_is_for_staff_who_bill(client, coach, supervisor, client_user, admin_user):
    _two_clients(coach, supervisor, client_user, admin_user)
    batch = _batch(admin_user).batches[0]
    sign_in(client, coach)
    response = client.post(reverse("coaching:claim_batch_sent", args=[batch.pk]))
    assert response.status_code == 403
    assert not Disclosure.objects.exists()
