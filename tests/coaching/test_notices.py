"""The notice and the consent's scope every export carries (issue 28, point 3).

42 CFR 2.32(a), as amended in 2024 (89 FR 12472): each disclosure made with
the patient's written consent is accompanied by Statement 1 or Statement 2;
the app carries Statement 1, which must be the rule's words exactly.
42 CFR 2.32(b): each such disclosure is accompanied by a copy of the consent
or a clear explanation of its scope.

STATEMENT_1 below is typed from the rule's text (eCFR 42 CFR 2.32(a)(1)),
not imported from the code: the code is compared with the rule, character
for character, in every export (the claim review CSV, the named-recipient
disclosure, a claim batch's cover sheet) and shown on every preview."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.models import ClaimSheet, Disclosure, Information, OutgoingFile
from coaching.services.claim_sending import claim_batch_mark_sent
from coaching.services.claims import claim_batch_create
from coaching.services.consents import consent_revoke
from sessions_log.models import FundingProgramme
from tests.coaching.test_billing_views import _yesterday_at
from tests.coaching.test_consents import payer as organisation
from tests.coaching.test_consents import signed
from tests.coaching.test_consents_views import download, mark_sent
from tests.conftest import make_user
from tests.helpers import billable_contact, billing_identities, sign_in, signed_contact

# Who discloses, as exports name them (the organisation's name, address, phone).
HARBOR = "Harbor Peer Recovery, 100 Harbor Way, Springfield, IL 62701-1234, phone (217) 555-0100"

# 42 CFR 2.32(a)(1), Statement 1, as amended in 2024: its paragraphs one a line.
STATEMENT_1 = (
    "This record which has been disclosed to you is protected by Federal confidentiality "
    "rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, "
    "or testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, "
    "except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance "
    "with 42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any "
    "other use or disclosure of this record unless at least one of the following applies:\n"
    "(i) Further use or disclosure is expressly permitted by the written consent of the "
    "individual whose information is being disclosed in this record or as otherwise "
    "permitted by 42 CFR part 2.\n"
    "(ii) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or\n"
    "(iii) You have received the record from a covered entity or business associate as "
    "permitted by 45 CFR part 164, subparts A and E.\n"
    "A general authorization for the release of medical or other information is NOT "
    "sufficient to meet the required elements of written consent to further use or "
    "redisclose the record (see 42 CFR 2.31)."
)
VERSION = "42 CFR 2.32(a) Statement 1, 2024"
REVOCABLE_IN_WRITING = "may revoke this consent in writing at any time"


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def _day(value) -> str:
    return dateformat.format(value, "j F Y")


def _shows_the_statement(html: str) -> bool:
    """A page shows Statement 1: each of its paragraphs, in order."""
    at = 0
    for paragraph in STATEMENT_1.split("\n"):
        at = html.find(paragraph, at)
        if at < 0:
            return False
    return True


@pytest.fixture
def billed(coach, client_user, admin_user):
    return billing_identities(coach=coach, client=client_user, admin=admin_user)


@pytest.fixture
def unconsented(coach, admin_user):
    """Another client of the coach, ready to bill but with no consent."""
    person = make_user("noor@example.org", Role.CLIENT, name="Noor Haddad")
    CaseloadAssignment.objects.create(coach=coach, client=person)
    billing_identities(coach=coach, client=person, admin=admin_user, consent=False)
    return person


@pytest.mark.django_db
def test_the_claim_review_csv_opens_with_statement_1_and_gives_each_clients_scope(
    client, coach, supervisor, client_user, unconsented, admin_user, billed
):
    """42 CFR 2.32(a)(1): Statement 1 word for word at the file's head, its
    version stored on the Disclosure; 2.32(b): per client on the file, the
    consent's recipient, purpose, kinds, dates, end and that it is revocable
    in writing. A client left out for want of a consent has no scope row."""
    for hour, person in ((10, client_user), (12, unconsented)):
        billable_contact(
            coach, person, started=_yesterday_at(hour), minutes=38, supervisor=supervisor
        )
    day = timezone.localdate() - timedelta(days=1)
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    sign_in(client, admin_user)
    response = client.post(
        reverse("coaching:claim_download"),
        {"programme": medicaid.pk, "start": day.isoformat(), "end": day.isoformat()},
    )
    assert response.status_code == 200
    rows = _rows(response)
    assert rows[0] == [STATEMENT_1]
    assert rows[1] == [VERSION]
    assert ["Disclosed by", HARBOR] in rows
    labels = rows.index(["What the client's consent covers (42 CFR 2.32(b))"]) + 1
    scope_rows = rows[labels + 1 : rows.index([], labels)]
    assert [row[0] for row in scope_rows] == ["Robin Park"]
    scope = dict(zip(rows[labels], scope_rows[0], strict=True))
    assert scope["Disclosed by"] == HARBOR
    assert scope["Recipient"] == "State Medicaid Agency"
    assert scope["Purpose"] == "Billing for peer support"
    assert scope["Information"] == (
        "Identifiers for billing (date of birth, payer member id); "
        "Attendance and service record (dates, times, place, service codes, units)"
    )
    assert scope["Dates covered"] == f"From 1 January 2020 to {_day(day)}"
    assert scope["Ends"] == (f"On {_day(billed.consent.ends_on)} (it still covers that day)")
    assert scope["Signed"] == _day(timezone.localdate())
    assert REVOCABLE_IN_WRITING in scope["Revocable"]
    # The client without a consent is not on the file, nor their scope.
    assert unconsented.display_name not in response.content.decode()
    sheet = ClaimSheet.objects.get()
    client.post(
        reverse("coaching:claim_sheet_sent", args=[sheet.pk]),
        {"sent_on": timezone.localdate().isoformat(), "sent_by": "app_file"},
    )
    disclosure = Disclosure.objects.get()
    assert (disclosure.client, disclosure.notice_version) == (client_user, VERSION)


@pytest.mark.django_db
def test_the_named_recipient_disclosure_opens_with_statement_1_and_its_consents_scope(
    client, coach, client_user
):
    """42 CFR 2.32(a)(1) and (b): the CSV sent to a named recipient opens with
    Statement 1 word for word, its version, then the consent's scope in
    plain words; the Disclosure stores the version. The preview page shows
    the same notice and scope before anything is sent."""
    signed_contact(coach, client_user, narrative="Talked about housing")
    acme = organisation()
    consent = signed(coach, client_user, acme, information=[Information.SERVICE_RECORD])
    sign_in(client, coach)
    page = client.get(reverse("coaching:consent_disclosure", args=[consent.pk])).content.decode()
    assert _shows_the_statement(page)
    assert VERSION in page and REVOCABLE_IN_WRITING in page
    response = download(client, consent)
    assert response.status_code == 200
    rows = _rows(response)
    assert rows[0] == [STATEMENT_1]
    assert rows[1] == [VERSION]
    scope = {row[0]: row[1] for row in rows[3:13] if len(row) == 2}
    assert scope["Client"] == "Robin Park"
    assert scope["Recipient"] == "Acme Health Plan"
    assert scope["Purpose"] == "Billing Medicaid for peer support"
    assert scope["Information"] == (
        "Attendance and service record (dates, times, place, service codes, units)"
    )
    assert scope["Dates covered"] == (f"From 1 January 2020 to {_day(timezone.localdate())}")
    assert scope["Ends"] == f"On {_day(consent.ends_on)} (it still covers that day)"
    assert REVOCABLE_IN_WRITING in scope["Revocable"]
    mark_sent(client, OutgoingFile.objects.get())
    assert Disclosure.objects.get().notice_version == VERSION


@pytest.mark.django_db
def test_a_consent_ending_on_an_event_says_so_in_the_scope(client, coach, client_user):
    """42 CFR 2.32(b) with 2.31(a)(7): the scope names the event the consent
    ends on when it has no end date."""
    consent = signed(coach, client_user, organisation(), event="The end of my Medicaid enrolment")
    sign_in(client, coach)
    rows = _rows(download(client, consent))
    assert ["Ends", "When this happens: The end of my Medicaid enrolment"] in rows


@pytest.mark.django_db
def test_a_batch_cover_sheet_carries_statement_1_and_the_consent_each_client_relied_on(
    client, coach, supervisor, client_user, unconsented, admin_user, billed
):
    """An 837P has no room for prose, so a batch's cover sheet carries what
    42 CFR 2.32 requires with it: Statement 1 word for word at its head
    ((a)(1)) and per client on the batch the scope of the consent relied on
    ((b)): before the batch is sent, the consent covering them now; once
    marked sent, the one its Disclosure relied on, even after the client
    revoked it. Audited; the batch page shows the notice."""
    for hour, person in ((9, client_user), (11, unconsented)):
        billable_contact(
            coach, person, started=_yesterday_at(hour), minutes=38, supervisor=supervisor
        )
    day = timezone.localdate() - timedelta(days=1)
    (batch,) = claim_batch_create(
        actor=admin_user, programmes=[billed.programme], start=day, end=day
    ).batches
    sign_in(client, admin_user)
    before = client.post(reverse("coaching:claim_batch_cover", args=[batch.pk])).content.decode()
    assert f"Client: Robin Park\nDisclosed by: {HARBOR}\n" in before
    assert not Disclosure.objects.exists()  # made, not sent: nothing disclosed yet
    claim_batch_mark_sent(actor=admin_user, batch_pk=batch.pk)
    assert Disclosure.objects.get().notice_version == VERSION
    consent_revoke(actor=client_user, consent=billed.consent)
    page = client.get(reverse("coaching:claim_batch", args=[batch.pk])).content.decode()
    assert _shows_the_statement(page) and "Download its cover sheet" in page
    response = client.post(reverse("coaching:claim_batch_cover", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'-batch-{batch.pk}-cover.txt"')
    text = response.content.decode()
    assert text.startswith(STATEMENT_1 + "\n\n")
    assert f"Notice: {VERSION}\n" in text
    assert f"Disclosed by: {HARBOR}\nDisclosed to: State Medicaid Agency\n" in text
    assert (
        "Client: Robin Park\n"
        f"Disclosed by: {HARBOR}\n"
        "Recipient: State Medicaid Agency\n"
        "Purpose: Billing for peer support\n"
        "Information: Identifiers for billing (date of birth, payer member id); "
        "Attendance and service record (dates, times, place, service codes, units)\n"
        f"Dates covered: From 1 January 2020 to {_day(day)}\n"
        f"Ends: On {_day(billed.consent.ends_on)} (it still covers that day)\n"
        f"Signed: {_day(timezone.localdate())}\n"
        "Revocable: Yes. The client may revoke this consent in writing at any time; what "
        "was disclosed in reliance on it before then cannot be recalled.\n"
    ) in text
    # The client left out for want of a consent is not on the batch or its sheet.
    assert unconsented.display_name not in text
    assert AuditEvent.objects.filter(
        AuditEvent.about(client_user.pk), action="claim_batch.cover", actor=admin_user
    ).exists()


@pytest.mark.django_db
def test_the_claim_review_page_previews_the_notice(
    client, coach, supervisor, client_user, admin_user, billed
):
    """42 CFR 2.32(a)(1): the preview of the claim file shows the notice the
    file will open with, word for word."""
    billable_contact(
        coach, client_user, started=_yesterday_at(9), minutes=38, supervisor=supervisor
    )
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    sign_in(client, admin_user)
    page = client.get(
        reverse("coaching:claims"),
        {"programme": billed.programme.pk, "start": day, "end": day},
    ).content.decode()
    assert "What the file holds" in page
    assert _shows_the_statement(page) and VERSION in page
