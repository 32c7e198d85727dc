"""A consent's signature is bound to the text that was read: the sign form
(the client's, in the app) and the paper-signature form (staff recording a
signature made on paper) carry the revision of the consent's text as shown
(its words and wording version), and a consent whose words changed since is
refused with "The consent changed: read it again.", nothing signed or kept.

Staff cannot edit a prepared consent (there is no such path): what can
change a draft's words between reading and signing is the organisation's
name, address or phone (2.31(a)(2)), the recipient's name (2.31(a)(4)) or
the wording itself (a deploy with a new WORDING_VERSION). 42 CFR 2.31(a):
the consent signed is the consent read."""

import pytest
from django.core.exceptions import ValidationError

from coaching import consent_wording
from coaching.consent_wording import consent_sections
from coaching.models import Consent, ConsentDocument
from coaching.services.consents import CONSENT_CHANGED, consent_revision, consent_sign
from coaching.services.paper_consents import consent_sign_on_paper
from tests.coaching.test_consents import payer, prepared, today
from tests.coaching.test_paper_consents import scan
from tests.helpers import billing_organisation


def shown(consent: Consent) -> str:
    """The revision of the consent's words as a page shows them now."""
    return consent_revision(consent_sections(Consent.objects.get(pk=consent.pk)))


def _signed(consent) -> bool:
    return Consent.objects.get(pk=consent.pk).signed_at is not None


def _sign(client_user, consent, revision):
    return consent_sign(
        actor=client_user,
        consent=consent,
        typed_name=client_user.display_name,
        confirmed=True,
        revision=revision,
    )


@pytest.mark.django_db
def test_the_client_cannot_sign_a_consent_whose_words_changed_after_they_read_it(
    coach, client_user
):
    billing_organisation()
    consent = prepared(coach, client_user, payer())
    read = shown(consent)
    billing_organisation(address_line1="9 Quarry Road")  # the organisation moved

    with pytest.raises(ValidationError) as refused:
        _sign(client_user, consent, read)

    assert refused.value.messages == [CONSENT_CHANGED]
    assert not _signed(consent)
    # Read again, it signs, and what is kept is what was read this time.
    _sign(client_user, consent, shown(consent))
    consent.refresh_from_db()
    assert "9 Quarry Road" in consent.signed_text and "100 Harbor Way" not in consent.signed_text


@pytest.mark.django_db
def test_a_recipient_renamed_since_the_client_read_it_refuses_the_signature(coach, client_user):
    acme = payer()
    consent = prepared(coach, client_user, acme)
    read = shown(consent)
    acme.name = "Acme Health Plan of Illinois"
    acme.save()

    with pytest.raises(ValidationError, match="The consent changed: read it again."):
        _sign(client_user, consent, read)

    assert not _signed(consent)


@pytest.mark.django_db
def test_a_new_wording_deployed_between_reading_and_signing_refuses_the_signature(
    coach, client_user, monkeypatch
):
    consent = prepared(coach, client_user, payer())
    read = shown(consent)
    # A deploy with a new wording version while the page was open.
    monkeypatch.setattr(consent_wording, "WORDING_VERSION", "42 CFR 2.31 (2024) wording next")

    with pytest.raises(ValidationError, match="The consent changed"):
        _sign(client_user, consent, read)

    assert not _signed(consent)
    _sign(client_user, consent, shown(consent))
    assert Consent.objects.get(pk=consent.pk).signed_text_version == (
        "42 CFR 2.31 (2024) wording next"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("revision", ["", "0" * 64, "anything"])
def test_a_revision_that_is_not_the_consents_is_refused(revision, coach, client_user):
    consent = prepared(coach, client_user, payer())
    with pytest.raises(ValidationError, match="The consent changed"):
        _sign(client_user, consent, revision)
    assert not _signed(consent)


@pytest.mark.django_db
def test_a_paper_signature_is_refused_when_the_words_changed_since_the_page_was_read(
    coach, client_user
):
    billing_organisation()
    consent = prepared(coach, client_user, payer())
    read = shown(consent)
    billing_organisation(contact_phone="2175550199")

    def record(revision):
        return consent_sign_on_paper(
            actor=coach,
            consent=consent,
            signed_by_name=client_user.display_name,
            signed_on=today(),
            scan=scan(),
            revision=revision,
        )

    with pytest.raises(ValidationError, match="The consent changed: read it again."):
        record(read)

    assert not _signed(consent) and not ConsentDocument.objects.exists()
    record(shown(consent))
    assert _signed(consent) and ConsentDocument.objects.count() == 1
