"""Issue 28, points 5 and 8 (coaching/views/paper_consents.py
`consent_document`): a consent's scan downloads as the exact bytes kept, as
an attachment the browser neither caches nor sniffs, and every read is
audited. Whoever may see the consent may download it: the client their own
(HIPAA 164.524, the right to a copy of what is kept about them), their coach
and supervisor; anyone else gets a 404. The written revocation's scan comes
through its form. The client's consents page lists the scans with a fixed
number of queries."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from coaching.models import ConsentDocument
from coaching.services.paper_consents import consent_sign_on_paper
from tests.coaching.test_consents import payer, prepared, signed, today
from tests.coaching.test_paper_consents import EXE, JPEG, PDF
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in


def _paper(coach, client_user, data=PDF, recipient=None):
    consent = prepared(coach, client_user, recipient or payer())
    consent_sign_on_paper(
        actor=coach,
        consent=consent,
        signed_by_name="Morgan Lee",
        signed_on=today(),
        authority="health_care_proxy",
        scan=SimpleUploadedFile("scan.pdf", data),
    )
    return consent, consent.documents.get()


def _reads(document):
    return AuditEvent.objects.filter(
        action="consent_document.view", object_id=str(document.pk)
    ).count()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coach", "supervisor", "client_user"])
def test_the_scan_downloads_as_its_exact_bytes_and_each_read_is_audited(
    request, client, coach, client_user, who
):
    consent, document = _paper(coach, client_user, data=JPEG)
    sign_in(client, request.getfixturevalue(who))
    url = reverse("coaching:consent_document", args=[document.pk])
    for read in (1, 2):
        response = client.get(url)
        assert response.status_code == 200
        assert response.content == JPEG
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"] == (
            f'attachment; filename="consent-{consent.pk}-signed_consent-{document.pk}.jpg"'
        )
        assert "no-store" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert _reads(document) == read


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_coach", "other_client"])
def test_someone_who_does_not_see_the_consent_gets_a_404_and_no_bytes(
    request, client, coach, client_user, who
):
    _, document = _paper(coach, client_user)
    sign_in(client, request.getfixturevalue(who))
    response = client.get(reverse("coaching:consent_document", args=[document.pk]))
    assert response.status_code == 404
    assert PDF not in response.content
    assert _reads(document) == 0


@pytest.mark.django_db
def test_a_written_revocation_keeps_its_scan_through_the_form(client, coach, client_user):
    consent = signed(coach, client_user, payer())
    sign_in(client, coach)
    url = reverse("coaching:consent_revoke_in_writing", args=[consent.pk])
    form = {"medium": "letter", "received_on": today().isoformat()}
    bad = client.post(url, {**form, "scan": SimpleUploadedFile("letter.pdf", EXE)})
    assert bad.status_code == 400
    assert "must be a PDF, JPEG or PNG" in bad.content.decode()
    consent.refresh_from_db()
    assert consent.revoked_at is None and not ConsentDocument.objects.exists()
    response = client.post(url, {**form, "scan": SimpleUploadedFile("letter.pdf", PDF)})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_how == "in_writing"
    (document,) = consent.documents.all()
    assert document.kind == "revocation" and base64.b64decode(document.content) == PDF
    listing = client.get(reverse("coaching:client_consents", args=[client_user.pk]))
    assert reverse("coaching:consent_document", args=[document.pk]) in listing.content.decode()
    assert client.get(reverse("coaching:consent_document", args=[document.pk])).content == PDF


@pytest.mark.django_db
def test_the_client_consents_page_lists_scans_in_the_same_queries_at_1_and_12(
    client, coach, client_user
):
    consent, _ = _paper(coach, client_user)
    sign_in(client, coach)
    url = reverse("coaching:client_consents", args=[client_user.pk])
    client.get(url)
    few = count_queries(client.get, url)[0]
    assert few <= PAGE_STATEMENTS
    for _ in range(11):
        _paper(coach, client_user, recipient=consent.recipient)
    many, response = count_queries(client.get, url)
    assert many == few
    body = response.content.decode()
    assert body.count("Scan: consent signed on paper") == 12
    assert body.count("Signed on paper by Morgan Lee (health care proxy)") == 12
