"""The CSV claim file counts as disclosed when staff mark it sent (issue 28
point 7; 42 CFR 2.25 and 45 CFR 164.528(b)(2): the accounting's date is the
day it was sent, with the recipient and address, what was sent and the
dates of service, the purpose). The download keeps the file and records
nothing; marking it sent checks each consent again, and a client whose
consent was revoked since is taken off the file, named, and nothing marked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.models import ClaimSheet, Disclosure, ProgrammePayer, Recipient
from coaching.services.revocations import consent_revoke
from sessions_log.models import FundingProgramme
from tests.coaching.test_billing_views import (
    _billable,
    _consent,
    _mark_sent,
    _read_csv,
    _yesterday_at,
)
from tests.conftest import make_user
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in


def _yesterday():
    return timezone.localdate() - timedelta(days=1)


def _download(client, programme):
    day = _yesterday().isoformat()
    return client.post(
        reverse("coaching:claim_download"), {"programme": programme.pk, "start": day, "end": day}
    )


@pytest.fixture
def medicaid():
    programme = FundingProgramme.objects.get(name="Medicaid")
    payer = Recipient.objects.create(name="State Medicaid Agency", kind=Recipient.Kind.ORGANISATION)
    ProgrammePayer.objects.create(programme=programme, recipient=payer)
    return programme


@pytest.fixture
def noor(coach):
    person = make_user("noor@example.org", Role.CLIENT, name="Noor Haddad")
    CaseloadAssignment.objects.create(coach=coach, client=person)
    return person


@pytest.fixture
def two_billed(coach, supervisor, client_user, noor, medicaid):
    """Robin Park and Noor Haddad, each with a consent naming the payer and a
    billable session yesterday."""
    payer = ProgrammePayer.objects.get(programme=medicaid).recipient
    payer.address = "PO Box 1, Springfield IL 62701"
    payer.save(update_fields=["address"])
    consents = {}
    for hour, person in ((9, client_user), (11, noor)):
        consents[person.pk] = _consent(coach, person, payer)
        _billable(coach, supervisor, person, medicaid, started=_yesterday_at(hour))
    return consents


@pytest.mark.django_db
def test_the_download_records_nothing_and_keeps_the_file_to_download_again(
    client,
    admin_user,
    client_user,
    medicaid,
    two_billed,
):
    """42 CFR 2.25: a file made to be sent later is not yet a disclosure."""
    sign_in(client, admin_user)
    response = _download(client, medicaid)
    assert response.status_code == 200
    assert not Disclosure.objects.exists()
    sheet = ClaimSheet.objects.get()
    assert sheet.client_ids == sorted(two_billed)
    page = client.get(reverse("coaching:claims")).content.decode()
    assert f"File {sheet.pk}: Medicaid" in page and "Not marked sent:" in page
    again = client.post(reverse("coaching:claim_sheet_download", args=[sheet.pk]))
    assert again.content == response.content
    assert not Disclosure.objects.exists()
    audited = AuditEvent.objects.filter(action="claim_sheet.download", client=client_user)
    assert audited.count() == 2  # the download and the download again


@pytest.mark.django_db
def test_marking_sent_records_one_disclosure_per_client_with_the_accounting_fields(
    client,
    admin_user,
    client_user,
    medicaid,
    two_billed,
):
    """42 CFR 2.25(b) and 45 CFR 164.528(b)(2): the date sent, the
    recipient's name and address, the kinds and dates of service sent, the
    purpose, under which consent; and how it went."""
    sign_in(client, admin_user)
    _download(client, medicaid)
    response = _mark_sent(client, sent_by="fax")
    assert response.status_code == 302
    rows = {each.client_id: each for each in Disclosure.objects.all()}
    assert sorted(rows) == sorted(two_billed)
    for client_id, disclosure in rows.items():
        assert disclosure.consent == two_billed[client_id]
        assert disclosure.recipient.name == "State Medicaid Agency"
        assert disclosure.recipient_address == "PO Box 1, Springfield IL 62701"
        assert disclosure.purpose == "Billing for peer support"
        assert (disclosure.service_from, disclosure.service_to) == (_yesterday(), _yesterday())
        assert sorted(disclosure.information) == ["billing_ids", "service_record"]
        assert (disclosure.sent_by, disclosure.export, disclosure.basis) == (
            "fax",
            "claim_file",
            "consent",
        )
        assert timezone.localdate(disclosure.at) == timezone.localdate()
    sheet = ClaimSheet.objects.get()
    assert (sheet.sent_by, sheet.marked_sent_by) == ("fax", admin_user)
    page = client.get(reverse("coaching:claims")).content.decode()
    assert "marked sent: the disclosures are recorded" in page
    assert f"Sent {timezone.localdate():%-d %b %Y} (fax); marked by" in page
    # The client sees it in their accounting.
    sign_in(client, client_user)
    assert "State Medicaid Agency" in client.get(reverse("coaching:my_accounting")).content.decode()


@pytest.mark.django_db
def test_a_consent_revoked_since_the_download_takes_the_client_off_and_nothing_is_marked(
    client,
    admin_user,
    client_user,
    noor,
    medicaid,
    two_billed,
):
    """Issue 28 point 7: marking sent re-checks each consent; the revoked
    client is removed and named, the file written again without them, and
    the file must be downloaded again before it goes."""
    sign_in(client, admin_user)
    first = _download(client, medicaid).content.decode()
    assert "Robin Park" in first
    consent_revoke(actor=client_user, consent=two_billed[client_user.pk])
    response = _mark_sent(client)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    revoked_on = f"{timezone.localdate():%-d %b %Y}"
    assert (
        f"Robin Park was removed: their consent was revoked on {revoked_on}; "
        "download the file again before you send it."
    ) in page
    assert not Disclosure.objects.exists()
    sheet = ClaimSheet.objects.get()
    assert sheet.sent_at is None and sheet.client_ids == [noor.pk]
    again = client.post(reverse("coaching:claim_sheet_download", args=[sheet.pk]))
    rows = _read_csv(again)
    assert "Robin Park" not in again.content.decode()
    assert any("Noor Haddad" in row for row in rows)
    # Sent now: Noor's disclosure alone.
    assert _mark_sent(client).status_code == 302
    assert list(Disclosure.objects.values_list("client", flat=True)) == [noor.pk]


@pytest.mark.django_db
def test_a_file_whose_every_client_revoked_has_nothing_to_send(
    client,
    coach,
    supervisor,
    admin_user,
    client_user,
    medicaid,
):
    consent = _consent(coach, client_user, ProgrammePayer.objects.get().recipient)
    _billable(coach, supervisor, client_user, medicaid, started=_yesterday_at(9))
    sign_in(client, admin_user)
    _download(client, medicaid)
    consent_revoke(actor=client_user, consent=consent)
    _mark_sent(client)
    page = client.get(reverse("coaching:claims")).content.decode()
    assert "Nobody is left on this file" in page
    response = _mark_sent(client)
    assert response.status_code == 400
    assert "Nobody is left on this claim file" in response.content.decode()
    assert not Disclosure.objects.exists()


@pytest.mark.django_db
def test_marking_a_file_sent_twice_is_refused(client, admin_user, medicaid, two_billed):
    sign_in(client, admin_user)
    _download(client, medicaid)
    _mark_sent(client)
    response = _mark_sent(client)
    assert response.status_code == 400
    assert "This claim file was marked sent already." in response.content.decode()
    assert Disclosure.objects.count() == 2


@pytest.mark.django_db
def test_a_day_to_come_or_before_the_download_or_no_way_is_refused(
    client,
    admin_user,
    medicaid,
    two_billed,
):
    sign_in(client, admin_user)
    _download(client, medicaid)
    today = timezone.localdate()
    for day in (today + timedelta(days=1), today - timedelta(days=1)):
        response = _mark_sent(client, sent_on=day)
        assert response.status_code == 400
        assert "Give the day it was sent: from" in response.content.decode()
    response = _mark_sent(client, sent_by="pigeon")
    assert response.status_code == 400
    assert "Choose how it was sent from the list." in response.content.decode()
    assert not Disclosure.objects.exists()
    assert ClaimSheet.objects.get().sent_at is None


@pytest.mark.django_db
def test_only_staff_who_bill_download_again_or_mark_sent(
    client,
    coach,
    supervisor,
    admin_user,
    medicaid,
    two_billed,
):
    sign_in(client, admin_user)
    _download(client, medicaid)
    sheet = ClaimSheet.objects.get()
    for person in (coach, supervisor):
        sign_in(client, person)
        assert _mark_sent(client, sheet).status_code == 403
        url = reverse("coaching:claim_sheet_download", args=[sheet.pk])
        assert client.post(url).status_code == 403
    sign_in(client, admin_user)
    missing = reverse("coaching:claim_sheet_sent", args=[sheet.pk + 1])
    assert client.post(missing, {"sent_on": timezone.localdate().isoformat()}).status_code == 404
    assert not Disclosure.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 12])
def test_the_claim_page_lists_the_files_in_a_fixed_number_of_queries(
    client,
    admin_user,
    medicaid,
    two_billed,
    count,
):
    sign_in(client, admin_user)
    for _ in range(count):
        _download(client, medicaid)
    client.get(reverse("coaching:claims"))
    queries, response = count_queries(client.get, reverse("coaching:claims"))
    assert response.status_code == 200
    assert response.content.decode().count("Not marked sent:") == count
    assert queries <= PAGE_STATEMENTS
