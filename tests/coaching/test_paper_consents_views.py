"""Issue 28, point 5, the staff pages (coaching/views/paper_consents.py):
the sheet printed for signing on paper, and recording the paper signature
through its form with the scan. A representative signs for a minor or a
client who lacks capacity (42 CFR 2.14, 2.15). A bad scan is answered on
the form with nothing changed; someone else's client is a 404."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from coaching.consent_wording import consent_sections
from coaching.models import Consent, ConsentDocument
from coaching.services.paper_consents import consent_sign_on_paper
from tests.coaching.test_consents import payer, prepared, today
from tests.coaching.test_paper_consents import EXE, PDF, PNG
from tests.coaching.test_plans_views_revisions import revision_on
from tests.helpers import sign_in


def _form(**changes):
    data = {
        "signed_by_name": "Morgan Lee",
        "authority": "guardian",
        "signed_on": today().isoformat(),
        "scan": SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
    }
    data.update(changes)
    return data


def _kept():
    return (
        list(Consent.objects.values_list("pk", "signed_at", "signed_how", "recorded_by")),
        ConsentDocument.objects.count(),
        AuditEvent.objects.filter(action="consent.sign_on_paper").count(),
    )


@pytest.mark.django_db
def test_staff_record_a_guardians_paper_signature_with_its_scan(client, coach, client_user):
    consent = prepared(coach, client_user, payer())
    sign_in(client, coach)
    url = reverse("coaching:consent_paper_signature", args=[consent.pk])
    page = client.get(url).content.decode()
    assert "Record a paper signature" in page and 'enctype="multipart/form-data"' in page
    response = client.post(url, _form(revision=revision_on(page)))
    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:client_consents", args=[client_user.pk])
    consent.refresh_from_db()
    assert consent.signed_how == "paper_representative"
    assert (consent.representative_name, consent.representative_authority) == (
        "Morgan Lee",
        "guardian",
    )
    assert consent.recorded_by == coach
    (document,) = consent.documents.all()
    assert base64.b64decode(document.content) == PDF
    listing = client.get(response["Location"]).content.decode()
    recorded = (
        "Signed on paper by Morgan Lee (guardian appointed by a court), "
        f"recorded by {coach.display_name}"
    )
    assert recorded in listing
    assert reverse("coaching:consent_document", args=[document.pk]) in listing
    # A signed consent offers no second paper signature.
    assert reverse("coaching:consent_paper_signature", args=[consent.pk]) not in listing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scan", "message"),
    [
        (SimpleUploadedFile("virus.pdf", EXE, "application/pdf"), "must be a PDF, JPEG or PNG"),
        (SimpleUploadedFile("empty.pdf", b"", "application/pdf"), "The scan is empty"),
        (
            SimpleUploadedFile(
                "huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 - 4), "application/pdf"
            ),
            "larger than 10 MB",
        ),
    ],
    ids=["exe-named-pdf", "empty", "10MB-plus-1-byte"],
)
def test_a_bad_scan_is_answered_on_the_form_and_changes_nothing(
    client, coach, client_user, scan, message
):
    consent = prepared(coach, client_user, payer())
    sign_in(client, coach)
    before = _kept()
    response = client.post(
        reverse("coaching:consent_paper_signature", args=[consent.pk]), _form(scan=scan)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _kept() == before


@pytest.mark.django_db
def test_a_png_named_pdf_is_kept_as_the_png_it_is(client, coach, client_user):
    consent = prepared(coach, client_user, payer())
    sign_in(client, coach)
    url = reverse("coaching:consent_paper_signature", args=[consent.pk])
    response = client.post(
        url,
        _form(
            revision=revision_on(client.get(url).content.decode()),
            authority="",
            signed_by_name=client_user.display_name,
            scan=SimpleUploadedFile("scan.pdf", PNG, "application/pdf"),
        ),
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.signed_how == "paper_client" and consent.representative_name == ""
    assert consent.documents.get().content_type == "image/png"


@pytest.mark.django_db
def test_another_coachs_client_is_a_404_and_nothing_changes(
    client, coach, client_user, other_coach
):
    consent = prepared(coach, client_user, payer())
    sign_in(client, other_coach)
    before = _kept()
    for method, url in (
        ("get", reverse("coaching:consent_paper_signature", args=[consent.pk])),
        ("post", reverse("coaching:consent_paper_signature", args=[consent.pk])),
        ("get", reverse("coaching:consent_print", args=[consent.pk])),
    ):
        data = _form() if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 404, url
    assert _kept() == before


@pytest.mark.django_db
def test_the_sheet_to_print_has_the_consents_words_and_lines_to_sign(client, coach, client_user):
    consent = prepared(coach, client_user, payer())
    sign_in(client, coach)
    page = client.get(reverse("coaching:consent_print", args=[consent.pk])).content.decode()
    consent = Consent.objects.select_related("client", "recipient").get(pk=consent.pk)
    sections = consent_sections(consent)
    assert sections
    for section in sections:
        assert str(section.heading) in page
    assert "Signature: ____" in page and "Name, printed: ____" in page and "Date: ____" in page
    for authority in ("Parent of a minor", "guardian", "health care proxy"):
        assert authority.lower() in page.lower()
    assert AuditEvent.objects.filter(action="consent.view", object_id=str(consent.pk)).exists()


@pytest.mark.django_db
def test_a_signed_consent_prints_as_it_was_signed(client, coach, client_user):
    consent = prepared(coach, client_user, payer())
    consent_sign_on_paper(
        actor=coach,
        consent=consent,
        signed_by_name="Morgan Lee",
        signed_on=today(),
        authority="guardian",
        scan=SimpleUploadedFile("s.pdf", PDF),
    )
    consent.refresh_from_db()
    sign_in(client, coach)
    page = client.get(reverse("coaching:consent_print", args=[consent.pk])).content.decode()
    assert 'id="signed-sheet"' in page and 'id="paper-sheet"' not in page
    assert "Signed by Morgan Lee on" in page
    assert "Signature: ____" not in page
