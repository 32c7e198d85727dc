"""What a signature keeps (42 CFR 2.31(a)(8), (9)): the consent's words as
the signer read them, in their language, with the signature line, and,
when that language is not English, the English text of the same consent
beside it (issue 31: the English text is the record of what was signed in
which language). Each text with its SHA-256; both from one read of the
organisation, so they say the same thing.

The words are coaching/consent_wording.py's; this module only freezes them.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from coaching import consent_wording
from coaching.consent_wording import (
    ENGLISH,
    WORDS,
    choice_label,
    consent_language,
    consent_sections,
    consent_text,
    day_in,
)
from coaching.models import Consent
from coaching.models.consents import Authority, SignedHow
from coaching.notices import organisation_identity


def signature_line(consent: Consent, *, signed_on: date, language: str) -> str:
    """ "Signed by Dana Lee on 7 December 2026 (signed by the client in the
    app)." in `language`: the consent's signed_name, representative and
    signed_how as they are set."""
    words = WORDS[language]
    line = words["signed"].format(name=consent.signed_name, day=day_in(signed_on, language))
    if consent.representative_name:
        authority = choice_label(Authority(consent.representative_authority), language).lower()
        client = consent.legal_name or consent.client.display_name
        line += words["as"].format(authority=authority, client=client)
    return line + f" ({choice_label(SignedHow(consent.signed_how), language).lower()})."


@dataclass(frozen=True)
class FrozenCopy:
    """The text shown, in `language`, with its signature line; the
    wording's version; the SHA-256 (hex) of the text as UTF-8; and, signed
    in another language than English, the English text of the same consent
    and its SHA-256 (empty when signed in English: the text shown is the
    English)."""

    text: str
    version: str
    sha256: str
    language: str
    english: str = ""
    english_sha256: str = ""


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def frozen_copy(consent: Consent, *, signed_on: date, language: str | None = None) -> FrozenCopy:
    """The text a signature freezes (in `language`, None: the client's),
    with the English text beside it when that is another language. One
    query (the organisation)."""
    language = language or consent_language(consent)
    identity = organisation_identity()

    def text_in(code: str) -> str:
        sections = consent_sections(consent, code, identity=identity)
        line = signature_line(consent, signed_on=signed_on, language=code)
        return consent_text(sections, signature=line)

    text = text_in(language)
    english = "" if language == ENGLISH else text_in(ENGLISH)
    return FrozenCopy(
        text=text,
        version=consent_wording.WORDING_VERSION,  # read now: a deploy may change it
        sha256=sha256_of(text),
        language=language,
        english=english,
        english_sha256=sha256_of(english) if english else "",
    )


# How the downloaded copy of a consent signed in another language than
# English says so: in that language, then in English.
SIGNED_IN = {
    "es": "Firmado en español (es). Huella SHA-256 del texto firmado: {sha256}",
}
SIGNED_IN_ENGLISH = "Signed in {language} ({code}). SHA-256 of the text as signed: {sha256}"
ENGLISH_RECORD = (
    "The English text of the same consent, kept with the signature as the record of what "
    "was signed (SHA-256 {sha256}):"
)
LANGUAGE_NAMES = {"es": "Spanish"}


def signed_copy_text(consent: Consent) -> str:
    """The downloadable copy of a signed consent: signed in English, the
    frozen text exactly as kept; signed in another language, which one
    (in it and in English), the text as signed, then the English text of
    the same consent, each exactly as kept, with their SHA-256."""
    language = consent.signed_language
    if language in ("", ENGLISH) or not consent.signed_text_english:
        return consent.signed_text
    head = [
        SIGNED_IN.get(language, "").format(sha256=consent.signed_text_sha256),
        SIGNED_IN_ENGLISH.format(
            language=LANGUAGE_NAMES.get(language, language),
            code=language,
            sha256=consent.signed_text_sha256,
        ),
    ]
    return "\n".join(
        [
            *[line for line in head if line],
            "",
            consent.signed_text,
            "",
            "-" * 40,
            ENGLISH_RECORD.format(sha256=consent.signed_text_english_sha256),
            "",
            consent.signed_text_english,
        ]
    )
