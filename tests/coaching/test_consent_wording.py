"""The consent's words (coaching/consent_wording.py): every element of
42 CFR 2.31(a), as amended in 2024 (89 FR 12472), found on the page the
client signs; and what was signed frozen with the signature.

Each test names the paragraph of 2.31(a) it holds. Where the rule gives
words (the (a)(4)(iii) statement; the single TPO consent's class of
recipients in (a)(4)(i)), they are typed here from the rule's text, not
imported from the code."""

import hashlib
import html
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from coaching import consent_wording
from coaching.models import Consent, Information, Recipient
from coaching.selectors.consents import consents_covering
from coaching.services.consents import consent_prepare, consent_sign
from tests.helpers import billing_organisation, sign_in

# 42 CFR 2.31(a)(4)(iii), the rule's words (the patient is "you" on the form).
HIPAA_STATEMENT = (
    "may be redisclosed in accordance with the permissions contained in the HIPAA "
    "regulations, except for uses and disclosures for civil, criminal, administrative, "
    "and legislative proceedings against you."
)
# 42 CFR 2.31(a)(4)(i): how a single TPO consent may describe its recipients.
TPO_CLASS = (
    "my treating providers, health plans, third-party payers, and people helping to "
    "operate this program"
)


def acme(*, covered_entity=True) -> Recipient:
    return Recipient.objects.get_or_create(
        name="Acme Health Plan",
        kind=Recipient.Kind.ORGANISATION,
        defaults={"covered_entity": covered_entity},
    )[0]


def prepare(coach, client, **changes) -> Consent:
    arguments = {
        "actor": coach,
        "client": client,
        "recipient": acme(),
        "legal_name": "Robin Alexandra Park",
        "purpose_kind": "payment",
        "purpose": "Billing Medicaid for my peer support sessions",
        "information": [Information.SERVICE_RECORD, Information.BILLING_IDS],
        "information_from": date(2026, 3, 1),
        "information_to": date(2026, 11, 30),
        "ends_on": timezone.localdate() + timedelta(days=365),
    } | changes
    return consent_prepare(**arguments)


def signing_page(client, client_user, consent) -> str:
    sign_in(client, client_user)
    response = client.get(reverse("coaching:my_consent", args=[consent.pk]))
    assert response.status_code == 200
    assert "Sign this consent" in response.content.decode()
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_the_signing_page_states_every_element_of_2_31_a(client, coach, client_user):
    """42 CFR 2.31(a)(1)-(7) and (10), each found on the page the client
    signs (the signature and its date, (a)(8) and (9), are the form itself
    and the signed copy's signature line)."""
    billing_organisation()
    consent = prepare(coach, client_user)
    page = signing_page(client, client_user, consent)
    # (1) the patient's name: the legal name, apart from the name they go by
    assert "Robin Alexandra Park" in page
    # (2) who may use and disclose: the organisation, by name, with its address and phone
    assert "Harbor Peer Recovery, 100 Harbor Way, Springfield, IL 62701-1234" in page
    assert "phone (217) 555-0100" in page
    # (3) what, specifically, and from which dates
    assert "Your attendance and service record and the identifiers a payer needs" in page
    assert "from 1 March 2026 to 30 November 2026" in page
    assert "substance use" in page
    # (4)(i) to whom
    assert "Your records may go to Acme Health Plan." in page
    # (4)(iii) a covered entity receiving them for payment: the HIPAA statement
    assert HIPAA_STATEMENT in page
    # (5) what for
    assert "Payment: Billing Medicaid for my peer support sessions" in page
    # (6) the right to revoke in writing, how, and reliance
    assert "You may revoke this consent at any time, in writing" in page
    assert "“My consents” page of the app, or write to Harbor Peer Recovery at 100 Harbor" in page
    assert "cannot undo what Harbor Peer Recovery or the recipient already did in reliance" in page
    # (7) when it ends
    assert f"This consent ends on {consent.ends_on:%-d %B %Y}" in page
    # (10)(i) redisclosure, (10)(ii) the consequences of refusing to sign
    assert "may be redisclosed by the recipient" in page
    assert "no longer be protected by the federal rules" in page
    assert "If you do not sign, you will still get peer recovery coaching from us." in page
    assert "so we cannot bill them for your sessions" in page


@pytest.mark.django_db
def test_the_hipaa_statement_is_only_for_a_covered_entity_receiving_for_tpo(
    client, coach, client_user
):
    """2.31(a)(4)(iii) applies to a covered entity or business associate
    receiving records for treatment, payment or operations; (a)(10) to
    consents for those purposes. A consent for a family member to help with
    the plan carries neither."""
    consent = prepare(
        coach,
        client_user,
        recipient=None,
        person_name="Jamie Moss",
        purpose_kind="other",
        purpose="So my sister can help me keep to my plan",
        information=[Information.RECOVERY_PLAN],
    )
    page = signing_page(client, client_user, consent)
    assert "Your records may go to Jamie Moss." in page
    assert HIPAA_STATEMENT not in page
    assert "may be redisclosed by the recipient" not in page
    assert "Your information will not go to Jamie Moss for this purpose." in page

    not_covered = prepare(
        coach,
        client_user,
        recipient=Recipient.objects.create(name="County Court", kind="organisation"),
        purpose_kind="treatment",
    )
    page = signing_page(client, client_user, not_covered)
    assert HIPAA_STATEMENT not in page  # not a covered entity
    assert "may be redisclosed by the recipient" in page  # (10): for treatment


@pytest.mark.django_db
def test_the_single_tpo_consent_names_the_class_of_recipients_and_covers_payers(
    client, coach, client_user, other_client
):
    """2.31(a)(4)(i) and 2.33(a)(2): one consent for all future uses and
    disclosures for treatment, payment and health care operations, its
    recipients described as the rule allows; it covers a claim to any payer
    on the list, and never a person a client named."""
    consent = prepare(coach, client_user, recipient=None, purpose_kind="tpo")
    page = signing_page(client, client_user, consent)
    assert "one consent for all future uses and disclosures of your records" in page
    assert f"Your records may go to {TPO_CLASS}." in page
    consent_sign(actor=client_user, consent=consent, typed_name="Robin Park", confirmed=True)
    payer = Recipient.objects.get(name="Acme Health Plan")
    covered = consents_covering(
        client_ids=[client_user.pk, other_client.pk],
        recipient=payer,
        information=[Information.SERVICE_RECORD],
    )
    assert set(covered) == {client_user.pk}
    sister = Recipient.objects.create(kind="person", person_name="Jamie Moss", client=client_user)
    assert not consents_covering(
        client_ids=[client_user.pk], recipient=sister, information=[Information.SERVICE_RECORD]
    )


@pytest.mark.django_db
def test_the_client_signs_in_their_legal_name_or_the_name_they_go_by(coach, client_user):
    """2.31(a)(8): the patient's signature. The typed name may be the legal
    name the consent states or the account's name, in any case and spacing."""
    consent = prepare(coach, client_user)
    signed = consent_sign(
        actor=client_user, consent=consent, typed_name="robin  alexandra PARK", confirmed=True
    )
    assert signed.signed_name == "robin alexandra PARK"
    assert signed.signed_how == "in_app"


@pytest.mark.django_db
def test_what_was_signed_is_kept_with_its_version_and_hash_and_never_changes(
    client, coach, client_user, monkeypatch
):
    """Point 4 of the issue: the exact text shown, with the signature line
    (2.31(a)(8), (9)), is stored encrypted with its version and SHA-256; a
    later change of wording changes drafts, never a signed consent."""
    billing_organisation()
    consent = prepare(coach, client_user)
    shown = consent_wording.consent_text(consent_wording.consent_sections(consent))
    consent_sign(actor=client_user, consent=consent, typed_name="Robin Park", confirmed=True)
    consent.refresh_from_db()
    signed_on = timezone.localdate()
    assert consent.signed_text.startswith(shown + "\n\nSigned by Robin Park on ")
    assert consent.signed_text.endswith(f"{signed_on:%-d %B %Y} (signed by the client in the app).")
    assert consent.signed_text_version == consent_wording.WORDING_VERSION
    assert consent.signed_text_sha256 == hashlib.sha256(consent.signed_text.encode()).hexdigest()
    kept = consent.signed_text

    # The wording changes (a new version, a new revocation sentence).
    monkeypatch.setattr(consent_wording, "WORDING_VERSION", "a later wording")
    monkeypatch.setitem(consent_wording.REVOKE, "en", "A NEW REVOCATION SENTENCE.")
    draft = prepare(coach, client_user, recipient=Recipient.objects.get(name="Acme Health Plan"))
    sign_in(client, client_user)
    assert (
        "A NEW REVOCATION SENTENCE."
        in client.get(reverse("coaching:my_consent", args=[draft.pk])).content.decode()
    )

    consent.refresh_from_db()
    assert consent.signed_text == kept
    page = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    assert "A NEW REVOCATION SENTENCE." not in page
    assert consent.signed_text_sha256 in page
    copy = client.get(reverse("coaching:consent_signed_copy", args=[consent.pk]))
    assert copy.status_code == 200
    assert copy.content.decode() == kept
    assert copy["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_a_signed_copy_is_read_only_by_those_who_see_the_consent_and_is_audited(
    client, coach, client_user, other_client, other_coach
):
    """The signed copy is the client's and their staff's (404 for anyone
    else, as for a consent that does not exist); a draft has none."""
    consent = prepare(coach, client_user)
    url = reverse("coaching:consent_signed_copy", args=[consent.pk])
    sign_in(client, client_user)
    assert client.get(url).status_code == 404  # not signed yet
    consent_sign(actor=client_user, consent=consent, typed_name="Robin Park", confirmed=True)
    assert client.get(url).status_code == 200
    sign_in(client, coach)
    assert client.get(url).status_code == 200
    for outsider in (other_client, other_coach):
        sign_in(client, outsider)
        assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="consent.view", object_id=str(consent.pk)).count() >= 3
