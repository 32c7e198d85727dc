"""A disclosure to the recipient a consent names (issue 28, points 6 and 7):
staff choose the days of information within what the consent states (42 CFR
2.31(a)(3); 2.13(a), no more than needed), download the file (kept,
encrypted, as an OutgoingFile: nothing disclosed yet), then mark it sent:
the consent is checked again then and the Disclosure recorded with what an
accounting needs (42 CFR 2.25; 45 CFR 164.528(b)(2))."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from coaching.models import Disclosure, Information, OutgoingFile, PurposeKind
from coaching.services.consents import consent_prepare, consent_sign
from coaching.services.revocations import consent_revoke
from tests.coaching.test_consents import payer, signed
from tests.coaching.test_consents_views import _csv, download, mark_sent
from tests.helpers import count_queries, sign_in, signed_contact

NOTES = [Information.SERVICE_RECORD, Information.SESSION_NOTES]


def _consent(coach, client_user, recipient, *, information_to=None, purpose_kind="treatment"):
    consent = consent_prepare(
        actor=coach,
        client=client_user,
        recipient=recipient,
        legal_name="Robin A. Park",
        purpose_kind=purpose_kind,
        purpose="Care coordination with the clinic",
        information=NOTES,
        information_from=date(2024, 1, 1),
        information_to=information_to,
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    return consent_sign(
        actor=client_user, consent=consent, typed_name="Robin A. Park", confirmed=True
    )


def _nothing_kept():
    return not OutgoingFile.objects.exists() and not Disclosure.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2023-12-31", "2024-03-01", "This consent covers information from 1 Jan 2024 to 30 Jun"),
        ("2024-02-01", "2024-07-01", "This consent covers information from 1 Jan 2024 to 30 Jun"),
        ("2024-03-01", "2024-02-01", "The first day comes after the last day."),
        ("", "2024-02-01", "Give the first day."),
        ("2024-02-01", "soon", "Give a date."),
    ],
)
def test_a_range_outside_the_consents_dates_is_refused_and_nothing_kept(
    client, coach, client_user, start, end, message
):
    """42 CFR 2.31(a)(3) and 2.13(a): a file holds only information dated
    within what the consent states; anything else is refused plainly, no
    file kept, nothing recorded."""
    consent = _consent(
        coach, client_user, payer("Eastside Clinic"), information_to=date(2024, 6, 30)
    )
    sign_in(client, coach)
    response = download(client, consent, start=start, end=end)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _nothing_kept()


@pytest.mark.django_db
def test_a_tpo_consent_has_no_named_recipient_disclosure(client, coach, client_user):
    """42 CFR 2.33: the single consent for treatment, payment and operations
    names a class of recipients, not one: no file is made under it."""
    consent = consent_prepare(
        actor=coach,
        client=client_user,
        legal_name="Robin A. Park",
        purpose_kind=PurposeKind.TPO,
        purpose="Treatment, payment and health care operations",
        information=NOTES,
        information_from=date(2024, 1, 1),
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    consent = consent_sign(
        actor=client_user, consent=consent, typed_name="Robin A. Park", confirmed=True
    )
    sign_in(client, coach)
    page = client.get(reverse("coaching:consent_disclosure", args=[consent.pk])).content.decode()
    assert "it names no one recipient" in page and "Download the CSV" not in page
    response = download(client, consent, start="2024-01-01")
    assert response.status_code == 400
    assert "names no one recipient" in response.content.decode()
    assert _nothing_kept()


@pytest.mark.django_db
def test_the_file_served_is_the_one_kept_encrypted_with_only_the_days_chosen(
    client, coach, client_user
):
    """42 CFR 2.13(a): only information dated within the range chosen; what
    is served is exactly the file kept (encrypted at rest), so what is
    recorded as sent is what the file holds. Nothing disclosed yet."""
    signed_contact(coach, client_user, narrative="RECENT-9182 talked about work", hours_ago=3)
    signed_contact(coach, client_user, narrative="OLDER-4410 talked about housing", hours_ago=240)
    consent = _consent(coach, client_user, payer("Eastside Clinic"))
    sign_in(client, coach)
    today = timezone.localdate()
    response = download(client, consent, start=(today - timedelta(days=2)).isoformat())
    assert response.status_code == 200
    body = response.content.decode()
    assert "RECENT-9182" in body and "OLDER-4410" not in body
    kept = OutgoingFile.objects.get()
    assert body == kept.file_text
    rows = _csv(response)
    assert ["Information dated", f"{today - timedelta(days=2)} to {today}"] in rows
    (dated,) = [row[1] for row in rows if row[-1:] == ["RECENT-9182 talked about work"]]
    assert kept.service_from == kept.service_to == date.fromisoformat(dated)
    assert (kept.consent, kept.recipient, kept.sent_at) == (consent, consent.recipient, None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT file_text FROM coaching_outgoingfile WHERE id = %s", [kept.pk])
        assert "RECENT-9182" not in cursor.fetchone()[0]
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action="disclosure.record").exists()
    again = client.post(reverse("coaching:outgoing_file_download", args=[kept.pk]))
    assert again.content.decode() == kept.file_text  # the same file, not a new one
    assert OutgoingFile.objects.count() == 1
    assert AuditEvent.objects.filter(
        action="outgoing_file.download", client=client_user, actor=coach
    ).exists()


@pytest.mark.django_db
def test_marking_a_file_sent_records_the_full_disclosure_once(client, coach, client_user):
    """42 CFR 2.25; 45 CFR 164.528(b)(2): the date sent, the recipient and
    their address, the kinds and dates of service the file holds, the
    purpose, how it went; linked to the file. Marking it again is refused."""
    signed_contact(coach, client_user, narrative="Talked", hours_ago=3)
    clinic = payer("Eastside Clinic")
    clinic.address = "12 Harbour Road, Springfield"
    clinic.save()
    consent = _consent(coach, client_user, clinic)
    sign_in(client, coach)
    download(client, consent, start="2024-01-01")
    kept = OutgoingFile.objects.get()
    response = mark_sent(client, kept, sent_by="fax")
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    kept.refresh_from_db()
    assert kept.disclosure == disclosure and kept.sent_by == "fax"
    assert kept.marked_sent_by == coach and kept.sent_at == disclosure.at
    assert (disclosure.consent, disclosure.recipient, disclosure.by) == (consent, clinic, coach)
    assert disclosure.purpose == "Care coordination with the clinic"
    assert disclosure.recipient_address == "12 Harbour Road, Springfield"
    assert (disclosure.service_from, disclosure.service_to) == (kept.service_from, kept.service_to)
    assert disclosure.information == sorted(NOTES) and disclosure.sent_by == "fax"
    assert timezone.localtime(disclosure.at).date() == timezone.localdate()
    page = client.get(reverse("coaching:consent_disclosure", args=[consent.pk])).content.decode()
    assert "recorded as a disclosure" in page
    again = mark_sent(client, kept)
    assert again.status_code == 400
    assert "marked sent already" in again.content.decode()
    assert Disclosure.objects.count() == 1


@pytest.mark.django_db
def test_a_file_is_not_marked_sent_after_a_revocation(client, coach, client_user):
    """42 CFR 2.31(a)(6): a revocation stops what was not yet sent; the file
    downloaded before it may not go, and nothing is recorded."""
    consent = _consent(coach, client_user, payer("Eastside Clinic"))
    sign_in(client, coach)
    download(client, consent, start="2024-01-01")
    consent_revoke(actor=client_user, consent=consent)
    response = mark_sent(client, OutgoingFile.objects.get())
    assert response.status_code == 400
    assert "revoked this consent on" in response.content.decode()
    assert "must not be sent" in response.content.decode()
    assert not Disclosure.objects.exists()
    assert OutgoingFile.objects.get().sent_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("days", [1, -3])
def test_a_sent_day_in_the_future_or_before_the_download_is_refused(
    client, coach, client_user, days
):
    consent = _consent(coach, client_user, payer("Eastside Clinic"))
    sign_in(client, coach)
    download(client, consent, start="2024-01-01")
    sent_on = (timezone.localdate() + timedelta(days=days)).isoformat()
    response = mark_sent(client, OutgoingFile.objects.get(), sent_on=sent_on)
    assert response.status_code == 400
    assert "Give the day it was sent" in response.content.decode()
    assert not Disclosure.objects.exists()


@pytest.mark.django_db
def test_someone_elses_file_is_a_404(client, coach, client_user, other_coach):
    consent = signed(coach, client_user, payer())
    sign_in(client, coach)
    download(client, consent, start="2024-01-01")
    sign_in(client, other_coach)
    assert mark_sent(client, OutgoingFile.objects.get()).status_code == 404
    assert not Disclosure.objects.exists()


@pytest.mark.django_db
def test_the_disclosure_page_runs_the_same_queries_at_1_and_20_files(client, coach, client_user):
    consent = _consent(coach, client_user, payer("Eastside Clinic"))
    sign_in(client, coach)
    url = reverse("coaching:consent_disclosure", args=[consent.pk])
    download(client, consent, start="2024-01-01")
    mark_sent(client, OutgoingFile.objects.get())
    client.get(url)
    few = count_queries(client.get, url)[0]
    for _ in range(19):
        download(client, consent, start="2024-01-01")
    many, response = count_queries(client.get, url)
    assert many == few
    assert response.content.decode().count('<button type="submit">Mark file') == 19
