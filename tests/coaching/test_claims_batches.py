"""Reading the claim batches made: the list (fixed queries, no client
named), one batch (its claims and lines, audited), and who may read or act
on them: staff who bill; anyone else gets a 404 (accounts/policy/billing.py
claim_batch_scope)."""

from datetime import timedelta

import pytest
from django.http import Http404

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.models import ClaimBatch, ClaimLine, LineState
from coaching.selectors.claims import (
    batch_for_change,
    batch_for_viewing,
    batches_for_viewing,
    permissions_for,
    sent_claim_for_change,
)
from coaching.services.claims import (
    claim_batch_accept,
    claim_batch_create,
    claim_interchange_file,
)
from sessions_log import billing
from tests.coaching.test_billing_views import _yesterday_at
from tests.conftest import make_user
from tests.helpers import billable_contact, billing_identities, count_queries


def _batches(coach, supervisor, client, admin, count, hour=9):
    """`count` batches, each of one 30-minute contact a day earlier."""
    billing_identities(coach=coach, client=client, admin=admin)
    made = []
    for n in range(count):
        session = billable_contact(
            coach,
            client,
            started=_yesterday_at(hour) - timedelta(days=n),
            minutes=30,
            supervisor=supervisor,
        )
        day = billing.client_day(session)
        made.append(
            claim_batch_create(
                actor=admin, programmes=[session.funding_programme], start=day, end=day
            ).batches[0]
        )
    return made


@pytest.mark.django_db
def test_the_batch_list_counts_lines_per_state_in_fixed_queries(
    coach, supervisor, client_user, admin_user
):
    (first,) = _batches(coach, supervisor, client_user, admin_user, 1)
    queries, rows = count_queries(batches_for_viewing, admin_user)
    (row,) = rows
    assert row["states"] == {LineState.IN_BATCH: 1}
    assert (row["programme"], row["frequency"], str(row["charge"])) == (
        "Medicaid",
        "Original",
        "37.00",
    )
    claim_batch_accept(actor=admin_user, batch_pk=first.pk)
    other = make_user("noor@example.org", Role.CLIENT, name="Noor Haddad")
    CaseloadAssignment.objects.create(coach=coach, client=other)
    _batches(coach, supervisor, other, admin_user, 3, hour=13)
    more, rows = count_queries(batches_for_viewing, admin_user)
    assert more == queries == 2
    assert [row["states"] for row in rows][-1] == {LineState.ACCEPTED: 1}
    assert not AuditEvent.objects.filter(action__startswith="claim_batch.view").exists()


@pytest.mark.django_db
def test_a_batch_shows_its_lines_and_audits_the_clients_shown(
    coach, supervisor, client_user, admin_user
):
    (batch,) = _batches(coach, supervisor, client_user, admin_user, 1)
    shown = batch_for_viewing(admin_user, batch.pk)
    (claim,) = shown["claims"]
    (line,) = claim["lines"]
    assert claim["client"] == client_user
    assert (line["code"], line["units"], line["place_of_service"], line["state"]) == (
        "H0038",
        2,
        "99",
        "In batch",
    )
    assert AuditEvent.objects.filter(
        actor=admin_user, action="claim_batch.view", client=client_user
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor", "client_user", "other_coach"])
def test_only_staff_who_bill_read_or_act_on_a_batch(
    request, who, coach, supervisor, client_user, admin_user
):
    (batch,) = _batches(coach, supervisor, client_user, admin_user, 1)
    actor = request.getfixturevalue(who)
    assert batches_for_viewing(actor) == []
    for read in (batch_for_viewing, batch_for_change):
        with pytest.raises(Http404):
            read(actor, batch.pk)
    with pytest.raises(Http404):
        sent_claim_for_change(actor, batch.claims.get().pk)
    with pytest.raises(Http404):
        claim_interchange_file(actor=actor, batch_pk=batch.pk)
    with pytest.raises(Http404):
        claim_batch_accept(actor=actor, batch_pk=batch.pk)
    assert not permissions_for(actor).can_bill
    assert permissions_for(admin_user).can_bill
    assert ClaimBatch.objects.get().accepted_at is None
    assert list(ClaimLine.objects.values_list("state", flat=True)) == [LineState.IN_BATCH]
    assert not AuditEvent.objects.filter(actor=actor, action__startswith="claim").exists()


@pytest.mark.django_db
def test_a_batch_that_does_not_exist_is_a_404(admin_user):
    with pytest.raises(Http404):
        batch_for_viewing(admin_user, 999)
