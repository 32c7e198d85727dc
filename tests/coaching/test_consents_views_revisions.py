"""The consent pages' sign forms carry the revision of the words the page
shows: the client's (in the app) and staff's (recording a paper signature).
Words changed since the page was read are refused with "The consent
changed: read it again.", the page shows the consent as it is now (its form
carrying the new revision) and nothing is signed or kept (42 CFR 2.31(a):
the consent signed is the consent read)."""

import re

import pytest
from django.urls import reverse

from coaching.models import Consent, ConsentDocument
from tests.coaching.test_consents import payer, prepared
from tests.coaching.test_paper_consents_views import _form
from tests.coaching.test_plans_views_revisions import revision_on
from tests.helpers import billing_organisation, count_queries, sign_in

CHANGED = "The consent changed: read it again."


@pytest.mark.django_db
def test_the_client_is_told_to_read_again_when_the_words_changed_under_them(
    client, coach, client_user
):
    billing_organisation()
    consent = prepared(coach, client_user, payer())
    sign_in(client, client_user)
    page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    assert "100 Harbor Way" in page
    billing_organisation(address_line1="9 Quarry Road")
    url = reverse("coaching:consent_sign", args=[consent.pk])

    response = client.post(
        url, {"typed_name": "Robin Park", "confirmed": "on", "revision": revision_on(page)}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert CHANGED in page and "9 Quarry Road" in page and "100 Harbor Way" not in page
    assert Consent.objects.get(pk=consent.pk).signed_at is None
    # The page shown again carries what it shows: signing from it goes through.
    response = client.post(
        url, {"typed_name": "Robin Park", "confirmed": "on", "revision": revision_on(page)}
    )
    assert response.status_code == 302
    assert "9 Quarry Road" in Consent.objects.get(pk=consent.pk).signed_text


@pytest.mark.django_db
def test_a_sign_form_without_a_revision_signs_nothing(client, coach, client_user):
    consent = prepared(coach, client_user, payer())
    sign_in(client, client_user)
    response = client.post(
        reverse("coaching:consent_sign", args=[consent.pk]),
        {"typed_name": "Robin Park", "confirmed": "on"},
    )
    assert response.status_code == 400 and CHANGED in response.content.decode()
    assert Consent.objects.get(pk=consent.pk).signed_at is None


@pytest.mark.django_db
def test_staff_recording_a_paper_signature_are_told_when_the_words_changed(
    client, coach, client_user
):
    billing_organisation()
    acme = payer()
    consent = prepared(coach, client_user, acme)
    sign_in(client, coach)
    url = reverse("coaching:consent_paper_signature", args=[consent.pk])
    read = revision_on(client.get(url).content.decode())
    acme.name = "Acme Health Plan of Illinois"
    acme.save()

    response = client.post(url, {**_form(), "revision": read})

    assert response.status_code == 400
    page = response.content.decode()
    assert CHANGED in page and "Acme Health Plan of Illinois" in page
    assert Consent.objects.get(pk=consent.pk).signed_at is None
    assert not ConsentDocument.objects.exists()
    response = client.post(url, {**_form(), "revision": revision_on(page)})
    assert response.status_code == 302
    assert ConsentDocument.objects.count() == 1


@pytest.mark.django_db
def test_the_consent_page_with_its_sign_form_runs_the_queries_it_did(client, coach, client_user):
    """The revision is made from the words the page already shows: no query
    more, however many consents the client has."""
    consent = prepared(coach, client_user, payer())
    sign_in(client, client_user)
    url = reverse("coaching:my_consent", args=[consent.pk])
    client.get(url)
    few, response = count_queries(client.get, url)
    assert revision_on(response.content.decode())
    for number in range(10):
        prepared(coach, client_user, payer(f"Payer {number}"))
    many, response = count_queries(client.get, url)
    assert few == many and revision_on(response.content.decode())


@pytest.mark.django_db
def test_the_printed_sheet_and_the_recording_page_show_the_same_words_reference(
    client, coach, client_user
):
    """Staff recording a paper signature can tell whether the sheet signed
    holds the words the consent holds now: both show the same reference,
    and a change of words since printing shows another."""
    billing_organisation()
    consent = prepared(coach, client_user, payer())
    sign_in(client, coach)
    sheet = client.get(reverse("coaching:consent_print", args=[consent.pk])).content.decode()
    url = reverse("coaching:consent_paper_signature", args=[consent.pk])
    recording = client.get(url).content.decode()
    printed = re.search(rf"Consent {consent.pk}, words ([0-9a-f]{{12}})", sheet).group(1)
    assert f"<strong>{printed}</strong>" in recording
    assert revision_on(recording).startswith(printed)

    billing_organisation(address_line1="9 Quarry Road")

    assert f"<strong>{printed}</strong>" not in client.get(url).content.decode()
