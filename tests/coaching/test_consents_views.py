"""The consents pages: the client's (list, read, sign, revoke with a
confirm step, what was shared in plain words) and staff's (a client's
consents, preparing one, ending one, a named-recipient disclosure as a CSV
with the notice at its head). Bad input is answered plainly with nothing
changed; someone else's consent is a 404; page queries do not grow with the
number of consents and disclosures."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from coaching.models import Consent, Disclosure, ExportKind, Information, OutgoingFile
from coaching.services.consents import REDISCLOSURE_NOTICE, consent_sign
from coaching.services.disclosures import export_split
from tests.coaching.test_consents import CLAIM, _state, payer, prepared, signed, today
from tests.coaching.test_plans_views_revisions import revision_on
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in, signed_contact


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def download(client, consent, *, start="2020-01-01", end=None, **extra):
    """Staff download the named-recipient file of `consent` (information
    dated start..end, today by default)."""
    end = end or timezone.localdate().isoformat()
    return client.post(
        reverse("coaching:consent_disclose", args=[consent.pk]),
        {"start": start, "end": end},
        **extra,
    )


def mark_sent(client, outgoing, *, sent_on=None, sent_by="email", **extra):
    """Staff mark a downloaded file sent (today by default)."""
    sent_on = sent_on or timezone.localdate().isoformat()
    return client.post(
        reverse("coaching:outgoing_file_sent", args=[outgoing.pk]),
        {"sent_on": sent_on, "sent_by": sent_by},
        **extra,
    )


# ------------------------------------------------------------ the client's


@pytest.mark.django_db
def test_the_client_reads_a_consent_in_plain_words_and_signs_it(client, coach, client_user):
    consent = prepared(coach, client_user, payer(), information=CLAIM)
    sign_in(client, client_user)
    listing = client.get(reverse("coaching:my_consents")).content.decode()
    assert "To Acme Health Plan" in listing and "Waiting to be signed" in listing
    page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    shares = "Your attendance and service record and the identifiers a payer needs to bill"
    assert shares in page and "Your records may go to Acme Health Plan." in page
    assert "Sign this consent" in page
    response = client.post(
        reverse("coaching:consent_sign", args=[consent.pk]),
        {"typed_name": "robin park", "confirmed": "on", "revision": revision_on(page)},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.signed_at is not None and consent.signed_name == "robin park"
    page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    assert "Revoke this consent" in page and "Sign this consent" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"typed_name": "Someone Else", "confirmed": "on"},
            "Type your name as the consent gives it",
        ),
        ({"typed_name": "Robin Park"}, "Tick the box"),
        ({}, "Type your name to sign"),
    ],
)
def test_a_wrong_signature_is_answered_on_the_form_and_changes_nothing(
    client, coach, client_user, data, message
):
    consent = prepared(coach, client_user, payer())
    sign_in(client, client_user)
    before = _state()
    response = client.post(reverse("coaching:consent_sign", args=[consent.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state()[:2] == before[:2]


@pytest.mark.django_db
def test_a_consent_past_its_end_date_shows_no_signing_and_refuses_it(client, coach, client_user):
    consent = prepared(coach, client_user, payer(), ends_on=today() + timedelta(days=1))
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        sign_in(client, client_user)
        page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
        assert "Not signed, past its end date" in page and "Sign this consent" not in page
        response = client.post(
            reverse("coaching:consent_sign", args=[consent.pk]),
            {"typed_name": "Robin Park", "confirmed": "on"},
        )
    assert response.status_code == 400
    assert "can no longer be signed" in response.content.decode()
    consent.refresh_from_db()
    assert consent.signed_at is None


@pytest.mark.django_db
def test_the_client_revokes_after_a_confirm_step(client, coach, client_user):
    consent = signed(coach, client_user, payer())
    sign_in(client, client_user)
    url = reverse("coaching:consent_revoke", args=[consent.pk])
    confirm = client.get(url).content.decode()
    assert "Yes, revoke it now" in confirm
    consent.refresh_from_db()
    assert consent.revoked_at is None  # asking changes nothing
    response = client.post(url)
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_by == client_user
    page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    assert "You revoked it" in page
    assert reverse("coaching:consent_revoke", args=[consent.pk]) not in page


@pytest.mark.django_db
def test_someone_elses_consent_is_a_404_and_stays_as_it_was(
    client, coach, client_user, other_client
):
    consent = signed(coach, client_user, payer())
    sign_in(client, other_client)
    for name, method in (
        ("coaching:my_consent", "get"),
        ("coaching:consent_revoke", "get"),
        ("coaching:consent_revoke", "post"),
        ("coaching:consent_sign", "post"),
    ):
        response = getattr(client, method)(reverse(name, args=[consent.pk]))
        assert response.status_code == 404, name
    consent.refresh_from_db()
    assert consent.revoked_at is None


@pytest.mark.django_db
def test_the_client_sees_what_was_shared_in_plain_words(client, coach, client_user):
    acme = payer()
    consent = signed(coach, client_user, acme, information=CLAIM)
    export_split(
        actor=coach,
        client_ids=[client_user.pk],
        recipient=acme,
        information=CLAIM,
        export=ExportKind.CLAIM_FILE,
        service_dates={client_user.pk: (today(), today())},
    )
    sign_in(client, client_user)
    page = client.get(reverse("coaching:my_consents")).content.decode()
    day = timezone.localdate().strftime("%-d %B %Y")
    assert (
        f"On {day} Casey Rivera sent your attendance and service record and the identifiers "
        "a payer needs to bill (date of birth, member id) to Acme Health Plan in a claim file, "
        f"relying on the consent you signed on {consent.signed_at:%-d %B %Y}."
    ) in page
    record = client.get(reverse("accounts:record_views")).content.decode()
    assert "sent some of your information outside this organisation" in record


# ------------------------------------------------------------------ staff's


@pytest.mark.django_db
def test_staff_prepare_a_consent_through_the_form(client, coach, client_user):
    acme = payer()
    sign_in(client, coach)
    response = client.post(
        reverse("coaching:consent_prepare", args=[client_user.pk]),
        {
            "legal_name": "Robin A. Park",
            "purpose_kind": "payment",
            "recipient": acme.pk,
            "purpose": "Billing",
            "information": [Information.SERVICE_RECORD],
            "information_from": "2026-01-01",
            "ends_on_event": "The end of my Medicaid enrolment",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.recipient, consent.ends_on_event) == (acme, "The end of my Medicaid enrolment")
    assert (consent.legal_name, consent.purpose_kind) == ("Robin A. Park", "payment")
    assert consent.information_from == date(2026, 1, 1)
    page = client.get(reverse("coaching:client_consents", args=[client_user.pk])).content.decode()
    assert "Waiting to be signed" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"purpose": "Billing", "information": ["service_record"]}, "Give the date it ends"),
        ({"information": ["service_record"], "ends_on_event": "x"}, "Say what the information"),
        ({"purpose": "Billing", "ends_on_event": "x"}, "Choose at least one kind"),
        (
            {"purpose": "B", "information": ["service_record"], "ends_on": "2001-01-01"},
            "cannot be in the past",
        ),
    ],
)
def test_a_bad_consent_is_answered_on_the_form_and_changes_nothing(
    client, coach, client_user, data, message
):
    acme = payer()
    sign_in(client, coach)
    response = client.post(
        reverse("coaching:consent_prepare", args=[client_user.pk]),
        {
            "recipient": acme.pk,
            "legal_name": "Robin Park",
            "purpose_kind": "other",
            "information_from": "2026-01-01",
            **data,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_a_disclosure_is_a_csv_with_the_notice_at_its_head_and_is_recorded_when_sent(
    client, coach, client_user
):
    """42 CFR 2.32(a): the notice heads the file; 2.25: the disclosure is
    recorded when staff mark the file sent, not at the download."""
    signed_contact(coach, client_user, narrative="Talked about housing")
    acme = payer()
    consent = signed(
        coach,
        client_user,
        acme,
        information=[Information.SERVICE_RECORD, Information.SESSION_NOTES],
    )
    sign_in(client, coach)
    page = client.get(reverse("coaching:consent_disclosure", args=[consent.pk])).content.decode()
    assert "Download the CSV" in page and "42 CFR part 2" in page
    response = download(client, consent)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0] == [REDISCLOSURE_NOTICE]
    assert ["Recipient", "Acme Health Plan"] in rows
    assert ["Client", "Robin Park"] in rows
    sections = {row[0] for row in rows[rows.index(["Section", "Date", "Item", "Detail"]) + 1 :]}
    assert sections == {"Attendance and service record", "Signed session notes"}
    assert any(row[-1:] == ["Talked about housing"] for row in rows)
    assert not Disclosure.objects.exists()  # downloaded, not sent yet
    assert mark_sent(client, OutgoingFile.objects.get()).status_code == 302
    disclosure = Disclosure.objects.get()
    assert (disclosure.consent, disclosure.by, disclosure.export) == (
        consent,
        coach,
        ExportKind.NAMED_RECIPIENT,
    )


@pytest.mark.django_db
def test_a_disclosure_without_an_active_consent_sends_and_records_nothing(
    client, coach, client_user
):
    consent = signed(coach, client_user, payer())
    consent_revoked = Consent.objects.filter(pk=consent.pk)
    sign_in(client, client_user)
    client.post(reverse("coaching:consent_revoke", args=[consent.pk]))
    assert consent_revoked.get().revoked_at is not None
    sign_in(client, coach)
    page = client.get(reverse("coaching:consent_disclosure", args=[consent.pk])).content.decode()
    assert "nothing can be disclosed under it" in page and "Download the CSV" not in page
    response = download(client, consent)
    assert response.status_code == 400
    assert "Nothing was sent" in response.content.decode()
    assert not OutgoingFile.objects.exists()
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action="disclosure.record").exists()


@pytest.mark.django_db
def test_staff_end_an_event_ended_consent(client, supervisor, coach, client_user):
    consent = signed(coach, client_user, payer(), event="The end of my enrolment")
    sign_in(client, supervisor)
    response = client.post(reverse("coaching:consent_end", args=[consent.pk]))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_by == supervisor
    page = client.get(reverse("coaching:client_consents", args=[client_user.pk])).content.decode()
    assert "Ended by staff" in page


# ------------------------------------------------------------ query counts


def _many(coach, client_user, acme, count):
    for _ in range(count):
        signed(coach, client_user, acme)
    export_split(
        actor=coach,
        client_ids=[client_user.pk],
        recipient=acme,
        information=[Information.SERVICE_RECORD],
        export=ExportKind.NAMED_RECIPIENT,
        service_dates={client_user.pk: (today(), today())},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["client_user", "coach", "supervisor"])
def test_the_consents_pages_run_the_same_queries_at_1_and_50(request, client, who):
    coach, client_user = request.getfixturevalue("coach"), request.getfixturevalue("client_user")
    person = request.getfixturevalue(who)
    acme = payer()
    if who == "client_user":
        url = reverse("coaching:my_consents")
    else:
        url = reverse("coaching:client_consents", args=[client_user.pk])
    _many(coach, client_user, acme, 1)
    sign_in(client, person)
    client.get(url)
    few = count_queries(client.get, url)[0]
    assert few <= PAGE_STATEMENTS
    _many(coach, client_user, acme, 49)  # 50 consents, 50 disclosures (one per export)
    many, response = count_queries(client.get, url)
    assert many == few
    body = response.content.decode()
    assert body.count('id="consent-') == 50


@pytest.mark.django_db
def test_a_disclosure_csv_never_runs_a_formula(client, coach, client_user):
    consent = prepared(coach, client_user, payer())
    # Written as staff would type it (a draft may still change).
    Consent.objects.filter(pk=consent.pk).update(purpose='=HYPERLINK("http://x")')
    consent_sign(actor=client_user, consent=consent, typed_name="Robin Park", confirmed=True)
    sign_in(client, coach)
    rows = _csv(download(client, consent))
    assert ["Purpose", '\'=HYPERLINK("http://x")'] in rows


@pytest.mark.django_db
def test_a_named_recipient_disclosure_lists_as_sent_only_what_its_file_holds(
    client, coach, client_user
):
    """42 CFR 2.13(a), minimum necessary; 2.25 accounting: billing
    identifiers go to a payer on a claim, so a disclosure to a named
    recipient neither sends them nor records them as disclosed; a consent
    covering nothing else sends nothing and records nothing."""
    consent = signed(coach, client_user, payer())  # service record and billing identifiers
    sign_in(client, coach)
    page = client.get(reverse("coaching:consent_disclosure", args=[consent.pk])).content.decode()
    assert "Attendance and service record" in page
    rows = _csv(download(client, consent))
    assert not [row for row in rows if row and row[0] == "Identifiers for billing"]
    assert OutgoingFile.objects.get().information == [Information.SERVICE_RECORD]
    mark_sent(client, OutgoingFile.objects.get())
    assert Disclosure.objects.get().information == [Information.SERVICE_RECORD]

    only_ids = signed(
        coach, client_user, payer("Beacon Health"), information=[Information.BILLING_IDS]
    )
    url = reverse("coaching:consent_disclosure", args=[only_ids.pk])
    page = client.get(url).content.decode()
    assert "Nothing: this consent covers only identifiers for billing" in page
    assert "Download the CSV" not in page
    response = download(client, only_ids)
    assert "covers only identifiers for billing" in response.content.decode()
    assert OutgoingFile.objects.count() == 1 and Disclosure.objects.count() == 1
    assert not response.get("Content-Disposition")
    assert Disclosure.objects.count() == 1  # only the first one
