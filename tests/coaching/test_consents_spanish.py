"""Consents in the client's language (issue 31, item 4): a client whose
language is Spanish reads the consent of 42 CFR 2.31(a) in Spanish, signs
it, and the signature keeps the language, the Spanish text as signed and
the English text of the same consent, each with its SHA-256; the signed
copy shows the Spanish as signed and says it was signed in Spanish; the
sheet printed for a paper signature is in Spanish; the accounting of
disclosures (42 CFR 2.25) reads in Spanish. An English-speaking client's
consent is exactly as before.

Where the rule gives words, the English is typed here from the rule and the
Spanish checked against coaching/consent_wording.py's side-by-side text."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.consent_wording import HIPAA_REDISCLOSURE, MAY_BE_REDISCLOSED
from coaching.models import Consent
from tests.coaching.test_consent_wording import HIPAA_STATEMENT, acme, prepare
from tests.coaching.test_outside_disclosures import record
from tests.coaching.test_plans_views_revisions import revision_on
from tests.helpers import billing_organisation, sign_in


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def spanish_client(client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    return client_user


def _sign_on_the_page(client, consent, typed_name="Robin Alexandra Park"):
    page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    response = client.post(
        reverse("coaching:consent_sign", args=[consent.pk]),
        {"typed_name": typed_name, "confirmed": "on", "revision": revision_on(page)},
    )
    return page, response


@pytest.mark.django_db
def test_a_spanish_client_reads_the_consent_in_spanish_with_every_element_of_2_31(
    client, coach, spanish_client
):
    """42 CFR 2.31(a): every element in Spanish, the (a)(4)(iii) HIPAA
    statement and the (a)(10) statements among them; no English sentence."""
    billing_organisation()
    consent = prepare(coach, spanish_client)
    sign_in(client, spanish_client)

    listing = client.get(reverse("coaching:my_consents")).content.decode()
    assert "Tus consentimientos" in listing and "Esperando tu firma" in listing
    assert "Para Acme Health Plan" in listing
    assert "Waiting to be signed" not in listing and "Your consents" not in listing

    page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    for heading in (
        "Tu nombre",
        "Qué se puede compartir",
        "Tu derecho a revocarlo",
        "Si no firmas",
    ):
        assert heading in page
    assert "Tus expedientes pueden ir a Acme Health Plan." in page
    assert "Tu registro de asistencia y servicios y los datos que un pagador necesita" in page
    assert "del 1 de marzo de 2026 al 30 de noviembre de 2026" in page
    assert "Pago: Billing Medicaid for my peer support sessions" in page  # staff's words kept
    assert HIPAA_REDISCLOSURE["es"].format(recipient="Acme Health Plan") in page
    assert MAY_BE_REDISCLOSED["es"] in page
    assert "“Revocar este consentimiento”" in page and "Firmar este consentimiento" in page
    assert "Escribe tu nombre completo para firmar" in page
    # What a recipient is told (42 CFR 2.32(a) Statement 1), for the client
    # to read in Spanish.
    assert "Este expediente que se le ha divulgado está protegido por normas federales" in page
    assert "This record which has been disclosed to you" not in page
    # Not the English consent, nor English around it.
    assert "Your records may go to" not in page and HIPAA_STATEMENT not in page
    assert "Sign this consent" not in page and "What it says" not in page


@pytest.mark.django_db
def test_a_spanish_signature_keeps_the_language_the_spanish_text_and_the_english_text(
    client, coach, spanish_client
):
    """42 CFR 2.31(a)(8), (9): the signature and its date, on the text read,
    kept with the English text of the same consent as the record."""
    billing_organisation()
    consent = prepare(coach, spanish_client)
    sign_in(client, spanish_client)
    page, response = _sign_on_the_page(client, consent, typed_name="robin alexandra park")
    assert response.status_code == 302

    consent.refresh_from_db()
    signed_on = timezone.localdate()
    assert consent.signed_language == "es"
    assert consent.signed_text.startswith("Tu nombre\nRobin Alexandra Park\n\n")
    assert "Tus expedientes pueden ir a Acme Health Plan." in consent.signed_text
    assert consent.signed_text.endswith(
        f"Firmado por robin alexandra park el {signed_on.day} de "
        f"{_month_es(signed_on.month)} de {signed_on.year} (firmado por la persona en la app)."
    )
    assert consent.signed_text_sha256 == _sha256(consent.signed_text)
    english = consent.signed_text_english
    assert english.startswith("Your name\nRobin Alexandra Park\n\n")
    assert "Your records may go to Acme Health Plan." in english and HIPAA_STATEMENT in english
    assert english.endswith(
        f"Signed by robin alexandra park on {signed_on:%-d %B %Y} "
        "(signed by the client in the app)."
    )
    assert consent.signed_text_english_sha256 == _sha256(english)

    # The page says it was signed in Spanish and shows the Spanish as signed.
    signed_page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    assert "Firmado en español." in signed_page
    assert "El consentimiento tal como se firmó" in signed_page
    assert "Tus expedientes pueden ir a Acme Health Plan." in signed_page
    assert consent.signed_text_sha256 in signed_page
    assert "Firmado. Puedes revocar este consentimiento cuando quieras." in signed_page
    assert ">Revocar este consentimiento</a>" in signed_page
    assert ">Revoke this consent</a>" not in signed_page
    # The English text is there too, marked as English, as the record.
    assert 'lang="en">' in signed_page and "Your records may go to Acme Health Plan." in signed_page

    # The signed copy: the language, the Spanish as signed, then the English.
    copy = client.get(reverse("coaching:consent_signed_copy", args=[consent.pk]))
    text = copy.content.decode()
    assert text.startswith("Firmado en español (es).")
    assert (
        f"Signed in Spanish (es). SHA-256 of the text as signed: {consent.signed_text_sha256}"
        in text
    )
    assert text.index(consent.signed_text) < text.index(consent.signed_text_english)
    assert f"(SHA-256 {consent.signed_text_english_sha256})" in text


@pytest.mark.django_db
def test_staff_see_the_language_a_consent_was_signed_in(client, coach, spanish_client):
    billing_organisation()
    consent = prepare(coach, spanish_client)
    sign_in(client, coach)
    page = client.get(reverse("coaching:client_consents", args=[spanish_client.pk]))
    assert "shown to the client in Spanish" in page.content.decode()
    client.logout()
    sign_in(client, spanish_client)
    _sign_on_the_page(client, consent)
    client.logout()
    sign_in(client, coach)
    page = client.get(reverse("coaching:client_consents", args=[spanish_client.pk]))
    assert 'class="signed-language">in Spanish<' in page.content.decode()


@pytest.mark.django_db
def test_a_spanish_signature_is_refused_in_spanish(client, coach, spanish_client):
    billing_organisation()
    consent = prepare(coach, spanish_client)
    sign_in(client, spanish_client)
    _, response = _sign_on_the_page(client, consent, typed_name="Someone Else")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Escribe tu nombre como aparece en el consentimiento: Robin Alexandra Park." in body
    assert "Type your name as the consent gives it" not in body
    assert Consent.objects.get(pk=consent.pk).signed_at is None


@pytest.mark.django_db
def test_an_english_client_signs_the_english_consent_as_before(client, coach, client_user):
    """42 CFR 2.31(a): English stays the rule's words, signed in English,
    the signed copy the frozen text byte for byte."""
    billing_organisation()
    consent = prepare(coach, client_user)
    sign_in(client, client_user)
    page, response = _sign_on_the_page(client, consent)
    assert "Your records may go to Acme Health Plan." in page and HIPAA_STATEMENT in page
    assert "Tus expedientes" not in page and "Sign this consent" in page
    assert "This record which has been disclosed to you is protected" in page
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.signed_language == "en"
    assert (consent.signed_text_english, consent.signed_text_english_sha256) == ("", "")
    assert consent.signed_text.startswith("Your name\nRobin Alexandra Park\n\n")
    copy = client.get(reverse("coaching:consent_signed_copy", args=[consent.pk]))
    assert copy.content.decode() == consent.signed_text
    signed_page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    assert "Signed in English." in signed_page and "Firmado" not in signed_page


@pytest.mark.django_db
def test_the_paper_sheet_prints_in_the_clients_language(client, coach, spanish_client):
    """42 CFR 2.31(a): the sheet signed on paper has the Spanish words and
    Spanish signature lines; the staff's instructions stay in theirs."""
    billing_organisation()
    consent = prepare(coach, spanish_client)
    sign_in(client, coach)
    page = client.get(reverse("coaching:consent_print", args=[consent.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Tus expedientes pueden ir a Acme Health Plan." in body
    assert "Firma:" in body and "Nombre en letra de molde:" in body
    assert "Tutor designado por un tribunal" in body
    assert "Print this page and take it to the client." in body
    assert "Signature:" not in body and "Your records may go to" not in body


@pytest.mark.django_db
def test_the_accounting_of_disclosures_reads_in_spanish(client, coach, spanish_client):
    """42 CFR 2.25: when, to whom, what, why and under what, in Spanish."""
    consent_to_acme = prepare(coach, spanish_client, recipient=acme())
    record(coach, spanish_client, sent_at=timezone.now() - timedelta(hours=3))
    sign_in(client, spanish_client)
    page = client.get(reverse("coaching:my_accounting")).content.decode()
    assert "A quién se envió mi información" in page
    assert "Tu registro de asistencia y servicios, de los servicios del 5 enero 2026" in page
    assert "Por teléfono, fuera de esta app, por" in page
    assert "Sin tu consentimiento, en una emergencia médica (42 CFR 2.51)" in page
    assert "Lo permitió" in page and "Imprimir" in page
    assert "Every time we shared" not in page and "Allowed by" not in page
    mine = client.get(reverse("coaching:my_consents")).content.decode()
    assert "(por teléfono, fuera de esta app)" in mine
    assert "sin tu consentimiento, en una emergencia médica (42 CFR 2.51)." in mine
    assert "outside this app" not in mine and consent_to_acme.signed_at is None


def _month_es(month: int) -> str:
    return [
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
        "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ][month - 1]  # fmt: skip


@pytest.mark.django_db
def test_the_single_tpo_consent_names_its_class_of_recipients_in_spanish(
    client, coach, spanish_client
):
    """42 CFR 2.31(a)(4)(i): the single consent for treatment, payment and
    health care operations names a class of recipients; in Spanish on the
    client's pages and text, in the rule's words in the English text."""
    billing_organisation()
    consent = prepare(coach, spanish_client, recipient=None, purpose_kind="tpo")
    sign_in(client, spanish_client)
    spanish_class = "mis proveedores de tratamiento, planes de salud, terceros pagadores"
    listing = client.get(reverse("coaching:my_consents")).content.decode()
    assert f"Para {spanish_class}" in listing and "my treating providers" not in listing
    _, response = _sign_on_the_page(client, consent)
    assert response.status_code == 302
    consent.refresh_from_db()
    assert f"Tus expedientes pueden ir a {spanish_class}" in consent.signed_text
    assert (
        "Your records may go to my treating providers, health plans, third-party payers, "
        "and people helping to operate this program."
    ) in consent.signed_text_english
