"""Issue 28, point 5 (coaching/services/paper_consents.py): a consent signed
on paper, by the client or by a representative (42 CFR 2.14 minors, 2.15
guardians and health care proxies), recorded by staff with the scan; the
scan checked by its content; and the issue's Done-when line: "A paper
consent signed by a guardian lets a client with no login appear on a claim;
a revocation recorded in writing removes them from the next export."."""

import base64
import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import AuditEvent
from accounts.services.offline_clients import offline_client_add
from coaching.models import ClaimLine, Consent, ConsentDocument, Disclosure, ExportKind
from coaching.selectors.consents import consent_state
from coaching.services.claim_sending import claim_batch_mark_sent
from coaching.services.claims import claim_batch_create
from coaching.services.consents import consent_revoke_in_writing
from coaching.services.disclosures import export_split
from coaching.services.paper_consents import consent_sign_on_paper
from sessions_log import billing
from tests.coaching.test_billing_views import _yesterday_at
from tests.coaching.test_consents import CLAIM, payer, prepared, today
from tests.helpers import billable_contact, billing_identities

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"scan of the signed paper"
PDF = b"%PDF-1.7\n% the signed consent\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"jpeg scan"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"This program cannot be run in DOS mode"


def scan(data=PDF, name="consent.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _kept():
    return (
        list(Consent.objects.values("pk", "signed_at", "signed_how", "signed_text")),
        ConsentDocument.objects.count(),
        AuditEvent.objects.filter(
            action__in=["consent.sign_on_paper", "consent_document.add"]
        ).count(),
    )


@pytest.mark.django_db
def test_a_guardian_signs_on_paper_and_the_frozen_text_says_so(coach, client_user):
    consent = prepared(coach, client_user, payer())
    consent_sign_on_paper(
        actor=coach,
        consent=consent,
        signed_by_name="  Morgan   Lee ",
        signed_on=today(),
        authority="guardian",
        scan=scan(),
    )
    consent.refresh_from_db()
    assert consent.signed_how == "paper_representative"
    assert (consent.signed_name, consent.representative_name) == ("Morgan Lee", "Morgan Lee")
    assert consent.representative_authority == "guardian"
    assert consent.recorded_by == coach
    assert consent_state(consent, today()).key == "active"
    assert (
        f"Signed by Morgan Lee on {today():%-d %B %Y}, as guardian appointed by a court of "
        f"{client_user.display_name} (signed on paper by a representative)."
    ) in consent.signed_text
    assert hashlib.sha256(consent.signed_text.encode()).hexdigest() == consent.signed_text_sha256
    (document,) = consent.documents.all()
    assert (document.kind, document.content_type, document.size) == (
        "signed_consent",
        "application/pdf",
        len(PDF),
    )
    assert base64.b64decode(document.content) == PDF
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    with connection.cursor() as cursor:  # the scan and the name are kept encrypted
        cursor.execute("SELECT content FROM coaching_consentdocument WHERE id = %s", [document.pk])
        (stored,) = cursor.fetchone()
        cursor.execute(
            "SELECT representative_name FROM coaching_consent WHERE id = %s", [consent.pk]
        )
        (name,) = cursor.fetchone()
    assert base64.b64encode(PDF).decode() not in stored and "Morgan" not in name
    actions = set(AuditEvent.objects.filter(client=client_user).values_list("action", flat=True))
    assert {"consent.sign_on_paper", "consent_document.add"} <= actions


@pytest.mark.django_db
def test_the_client_signs_on_paper_in_the_name_the_consent_gives(coach, client_user):
    consent = prepared(coach, client_user, payer())
    consent_sign_on_paper(
        actor=coach,
        consent=consent,
        signed_by_name=client_user.display_name.upper(),
        signed_on=today() - timedelta(days=0),
        scan=scan(JPEG, "photo.jpg", "image/jpeg"),
    )
    consent.refresh_from_db()
    assert consent.signed_how == "paper_client"
    assert consent.representative_name == "" and consent.recorded_by == coach
    assert "(signed on paper by the client)" in consent.signed_text
    assert consent.documents.get().content_type == "image/jpeg"


@pytest.mark.django_db
def test_a_png_named_pdf_is_kept_as_the_png_it_is(coach, client_user):
    consent = prepared(coach, client_user, payer())
    consent_sign_on_paper(
        actor=coach,
        consent=consent,
        signed_by_name=client_user.display_name,
        signed_on=today(),
        scan=scan(PNG, "scan.pdf", "application/pdf"),
    )
    assert consent.documents.get().content_type == "image/png"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (scan(EXE, "consent.pdf"), "must be a PDF, JPEG or PNG"),
        (scan(b"", "consent.pdf"), "empty"),
        (scan(b"%PDF-" + b"x" * (10 * 1024 * 1024 - 4), "big.pdf"), "larger than 10 MB"),
        (None, "Attach the scan"),
    ],
    ids=["exe-renamed-pdf", "empty", "10MB-plus-1-byte", "none"],
)
def test_a_bad_scan_is_refused_and_nothing_is_kept(coach, client_user, upload, message):
    consent = prepared(coach, client_user, payer())
    before = _kept()
    with pytest.raises(ValidationError) as refused:
        consent_sign_on_paper(
            actor=coach,
            consent=consent,
            signed_by_name=client_user.display_name,
            signed_on=today(),
            scan=upload,
        )
    assert message in refused.value.message_dict["scan"][0]
    assert _kept() == before


@pytest.mark.django_db
def test_a_scan_of_exactly_10_mb_is_kept(coach, client_user):
    consent = prepared(coach, client_user, payer())
    data = b"%PDF-" + b"x" * (10 * 1024 * 1024 - 5)
    consent_sign_on_paper(
        actor=coach,
        consent=consent,
        signed_by_name=client_user.display_name,
        signed_on=today(),
        scan=scan(data),
    )
    assert consent.documents.get().size == 10 * 1024 * 1024


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"signed_on": today() + timedelta(days=1)}, "signed_on"),
        ({"signed_on": today() - timedelta(days=3)}, "signed_on"),
        ({"signed_on": None}, "signed_on"),
        ({"signed_by_name": " "}, "signed_by_name"),
        ({"signed_by_name": "Someone Else"}, "signed_by_name"),
        ({"representative_name": "Morgan Lee"}, "authority"),
        ({"representative_name": "Morgan Lee", "authority": "friend"}, "authority"),
    ],
)
def test_bad_signature_details_are_refused_and_nothing_is_kept(coach, client_user, changes, field):
    consent = prepared(coach, client_user, payer())
    before = _kept()
    arguments = {
        "actor": coach,
        "consent": consent,
        "signed_by_name": client_user.display_name,
        "signed_on": today(),
        "scan": scan(),
        **changes,
    }
    with pytest.raises(ValidationError) as refused:
        consent_sign_on_paper(**arguments)
    assert field in refused.value.message_dict
    assert _kept() == before


@pytest.mark.django_db
def test_a_signed_consent_is_not_signed_again_on_paper(coach, client_user):
    consent = prepared(coach, client_user, payer())
    sign = {
        "actor": coach,
        "signed_by_name": client_user.display_name,
        "signed_on": today(),
    }
    consent_sign_on_paper(consent=consent, scan=scan(), **sign)
    before = _kept()
    with pytest.raises(ValidationError, match="already signed"):
        consent_sign_on_paper(consent=consent, scan=scan(), **sign)
    assert _kept() == before


@pytest.mark.django_db
def test_only_staff_who_manage_the_clients_consents_record_one(
    coach, client_user, other_coach, admin_user
):
    consent = prepared(coach, client_user, payer())
    for outsider in (other_coach, admin_user, client_user):
        with pytest.raises(PermissionDenied):
            consent_sign_on_paper(
                actor=outsider,
                consent=consent,
                signed_by_name=client_user.display_name,
                signed_on=today(),
                scan=scan(),
            )
    assert not ConsentDocument.objects.exists()


@pytest.mark.django_db
def test_a_paper_consent_covers_an_export_as_one_signed_in_the_app(coach, client_user):
    acme = payer()
    consent = prepared(coach, client_user, acme)

    def split():
        return export_split(
            actor=coach,
            client_ids=[client_user.pk],
            recipient=acme,
            information=CLAIM,
            export=ExportKind.CLAIM_FILE,
            description="Claim file",
            service_dates=None,  # checks the consents, records nothing
        )

    assert split().consented_ids == []
    consent_sign_on_paper(
        actor=coach,
        consent=consent,
        signed_by_name="Pat Lee",
        signed_on=today(),
        representative_name="Pat Lee",
        authority="parent_of_minor",
        scan=scan(),
    )
    assert split().consented_ids == [client_user.pk]


@pytest.mark.django_db
def test_a_guardians_paper_consent_puts_a_client_with_no_login_on_a_claim_until_revoked(
    coach, supervisor, client_user, admin_user
):
    """The issue's Done-when line. A claim batch (X12 837P 005010X222A1) is a
    disclosure to the payer (42 CFR 2.31, 2.32); the written revocation
    (2.31(a)(6)) takes effect for the next export."""
    # Another client signed in the app, so that the second batch is not empty.
    billing_identities(coach=coach, client=client_user, admin=admin_user)
    offline = offline_client_add(actor=coach, display_name="Robin Park", time_zone="UTC")
    ids = billing_identities(coach=coach, client=offline, admin=admin_user, consent=False)
    consent = prepared(coach, offline, ids.payer.recipient)
    consent_sign_on_paper(
        actor=coach,
        consent=consent,
        signed_by_name="Morgan Park",
        signed_on=today(),
        authority="guardian",
        scan=scan(PNG, "guardian.png", "image/png"),
    )

    def batch(days_ago):
        sessions = [
            billable_contact(
                coach,
                person,
                started=_yesterday_at(hour) - timedelta(days=days_ago),
                minutes=30,
                supervisor=supervisor,
            )
            for person, hour in ((client_user, 9), (offline, 13))
        ]
        day = billing.client_day(sessions[0])
        return claim_batch_create(
            actor=admin_user, programmes=[sessions[0].funding_programme], start=day, end=day
        )

    first = batch(1)
    billed = set(
        ClaimLine.objects.filter(claim__batch__in=first.batches).values_list(
            "session__client", flat=True
        )
    )
    assert billed == {client_user.pk, offline.pk}
    claim_batch_mark_sent(actor=admin_user, batch_pk=first.batches[0].pk)
    assert Disclosure.objects.filter(client=offline, consent=consent).count() == 1

    consent_revoke_in_writing(
        actor=coach,
        consent=consent,
        medium="letter",
        received_on=today(),
        scan=scan(PDF, "letter.pdf"),
    )
    second = batch(2)
    billed = set(
        ClaimLine.objects.filter(claim__batch__in=second.batches).values_list(
            "session__client", flat=True
        )
    )
    assert billed == {client_user.pk}
    (left,) = [item for item in second.left_out if item.session.client_id == offline.pk]
    assert "consent" in " ".join(left.reasons).lower()
    claim_batch_mark_sent(actor=admin_user, batch_pk=second.batches[0].pk)
    assert Disclosure.objects.filter(client=offline).count() == 1
    kinds = list(consent.documents.values_list("kind", "content_type"))
    assert kinds == [("signed_consent", "image/png"), ("revocation", "application/pdf")]
