"""`manage.py claim_batch` (issue 27, point 7): a batch of the ready lines
written as an 837P (005010X222A1, valid under pyx12), the batch ids and the
lines left out printed; run again on the same days, no second batch and no
file; bad arguments, a clear CommandError."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import CaseloadAssignment, PayerIdentity, Role
from coaching.models import ClaimBatch, Disclosure
from coaching.x12.validate import validate
from tests.coaching.test_billing_views import _yesterday_at
from tests.coaching.test_claims import _yesterday, lines_back
from tests.conftest import make_user
from tests.helpers import billable_contact, billing_identities


def _run(*args):
    out = StringIO()
    call_command("claim_batch", *args, stdout=out)
    return out.getvalue()


def _days():
    day = _yesterday().isoformat()
    return ["--from", day, "--to", day]


@pytest.fixture
def ready(coach, supervisor, client_user, admin_user):
    """Robin's 30 minutes ready; Noor's, left out for want of a member id."""
    billing_identities(coach=coach, client=client_user, admin=admin_user)
    other = make_user("noor@example.org", Role.CLIENT, name="Noor Haddad")
    CaseloadAssignment.objects.create(coach=coach, client=other)
    billing_identities(coach=coach, client=other, admin=admin_user)
    PayerIdentity.objects.filter(client=other).update(member_id="")
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=30, supervisor=supervisor
    )
    billable_contact(coach, other, started=_yesterday_at(11), minutes=30, supervisor=supervisor)


@pytest.mark.django_db
def test_it_writes_a_valid_837p_and_prints_batches_and_left_out(ready, tmp_path):
    out = tmp_path / "claims.x12"
    printed = _run("--programme", "medicaid", *_days(), "--out", str(out))
    batch = ClaimBatch.objects.get()
    assert f"Claim batch {batch.pk}: Medicaid, 1 line" in printed
    assert "Noor Haddad (Medicaid" in printed and "No member id." in printed
    text = out.read_text()
    assert validate(text) == []
    assert [line["member"] for line in lines_back(text)] == ["MCD0001"]
    assert text == batch.interchange.file_text

    # Again on the same days: no second batch, no file, exit 0, the batch named.
    again = tmp_path / "again.x12"
    printed = _run("--all", *_days(), "--out", str(again))
    assert f"already in claim batch {batch.pk}" in printed
    assert "No batch made, no file written." in printed
    assert not again.exists()
    assert ClaimBatch.objects.count() == 1


@pytest.mark.django_db
def test_the_programme_may_be_given_by_id(ready, tmp_path):
    medicaid = ClaimBatch._meta.get_field("programme").related_model.objects.get(name="Medicaid")
    _run("--programme", str(medicaid.pk), *_days(), "--out", str(tmp_path / "c.x12"))
    assert ClaimBatch.objects.get().programme == medicaid


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--programme", "Nope", "--from", "2026-01-01", "--to", "2026-01-31"], "no billed"),
        (["--all", "--from", "2026-13-01", "--to", "2026-01-31"], "YYYY-MM-DD"),
        (["--all", "--from", "2026-02-01", "--to", "2026-01-31"], "first day comes after"),
        (["--all", "--from", "2026-01-01", "--to", "2026-01-31", "--as", "x@y.z"], "no active"),
    ],
)
def test_bad_arguments_are_a_clear_error_and_change_nothing(ready, tmp_path, args, says):
    with pytest.raises(CommandError, match=says):
        _run(*args, "--out", str(tmp_path / "c.x12"))
    assert not ClaimBatch.objects.exists()


@pytest.mark.django_db
def test_a_coach_cannot_make_a_batch(ready, coach, tmp_path):
    with pytest.raises(CommandError, match="does not bill"):
        _run("--all", *_days(), "--out", str(tmp_path / "c.x12"), "--as", coach.email)
    assert not ClaimBatch.objects.exists()


@pytest.mark.django_db
def test_with_sent_the_batch_is_marked_sent_and_the_disclosure_recorded(
    ready, client_user, admin_user, tmp_path
):
    """42 CFR 2.25; 45 CFR 164.528(b)(2): a batch counts as disclosed when it
    is sent; --sent says it goes at once, so it is marked sent and each
    client's disclosure recorded then, with the dates of service it holds."""
    printed = _run("--programme", "medicaid", *_days(), "--out", str(tmp_path / "a.x12"), "--sent")
    batch = ClaimBatch.objects.get()
    assert f"Marked sent: claim batch {batch.pk}; disclosures recorded." in printed
    assert batch.sent_at is not None and batch.sent_by == admin_user
    disclosure = Disclosure.objects.get()
    assert disclosure.client == client_user
    assert (disclosure.service_from, disclosure.service_to) == (_yesterday(), _yesterday())
