"""The words of a consent, as the client (or their representative) reads
them before signing: every element 42 CFR 2.31(a) requires, as amended in
2024 (89 FR 12472), in plain words where the rule lets us choose them and
in its own words where it gives them.

The page the client signs on, the sheet printed for signing on paper, and
the copy frozen with the signature (Consent.signed_text, with
WORDING_VERSION and the SHA-256 of the text) are all made here, from one
list of sections, so what is kept is exactly what was shown. A change of
wording gets a new WORDING_VERSION; signed consents keep theirs.

Elements, by paragraph of 2.31(a):
- (1) the patient's name: the legal name the consent states;
- (2) who may use or disclose: the organisation, by name, with its address
  and phone (BillingOrganisation);
- (3) what, and from which dates;
- (4)(i) to whom (or the single TPO consent's class of recipients), and
  (4)(iii) the HIPAA redisclosure statement for a covered entity or business
  associate receiving it for treatment, payment or health care operations;
- (5) what for;
- (6) the right to revoke in writing, how, and that what was done in
  reliance on it cannot be undone;
- (7) when it ends (a date or an event);
- (8), (9) the signature and its date (filled in at signing);
- (10) for treatment, payment or health care operations: that the records
  may be redisclosed by the recipient and no longer protected by Part 2,
  and the consequences of refusing to sign.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import dateformat

from coaching.models import Consent, Information, PurposeKind
from coaching.notices import NO_NAME, organisation_identity

WORDING_VERSION = "42 CFR 2.31 (2024) wording 2026-12-06"

TPO_KINDS = frozenset(
    {PurposeKind.TREATMENT, PurposeKind.PAYMENT, PurposeKind.OPERATIONS, PurposeKind.TPO}
)

# 2.31(a)(4)(iii), in the rule's words.
HIPAA_REDISCLOSURE = (
    "Because {recipient} is a covered entity or business associate under HIPAA and "
    "receives your records for treatment, payment, or health care operations, your record "
    "(or information contained in your record) may be redisclosed in accordance with the "
    "permissions contained in the HIPAA regulations, except for uses and disclosures for "
    "civil, criminal, administrative, and legislative proceedings against you."
)

# 2.31(a)(10)(i): the potential for redisclosure.
MAY_BE_REDISCLOSED = (
    "Records used or disclosed under this consent may be redisclosed by the recipient, "
    "and once redisclosed they may no longer be protected by the federal rules on the "
    "confidentiality of substance use disorder records (42 CFR part 2)."
)

# 2.31(a)(10)(ii): the consequences of refusing to sign.
REFUSAL = {
    PurposeKind.PAYMENT: (
        "If you do not sign, you will still get peer recovery coaching from us. We will "
        "not send your information to {recipient}, so we cannot bill them for your "
        "sessions under this consent."
    ),
    PurposeKind.TPO: (
        "If you do not sign, you will still get peer recovery coaching from us. We will "
        "ask for a separate consent each time your records would go to someone else for "
        "treatment, payment or health care operations, and without one they do not go."
    ),
}
REFUSAL_DEFAULT = (
    "If you do not sign, you will still get peer recovery coaching from us. Your "
    "information will not go to {recipient} for this purpose."
)

REVOKE = (
    "You may revoke this consent at any time, in writing: press “Revoke this consent” on "
    "the “My consents” page of the app, or write to {organisation}{address}. A revocation "
    "stops any use or disclosure under this consent from the moment we receive it. It "
    "cannot undo what {organisation} or the recipient already did in reliance on this "
    "consent before then."
)

NO_ORGANISATION = "the organisation providing your peer recovery coaching"


# What each kind of information is, in the words the client's page uses:
# "Dana Lee sent your attendance and service record to Acme Health Plan".
PLAIN = {
    Information.SERVICE_RECORD: "your attendance and service record",
    Information.BILLING_IDS: "the identifiers a payer needs to bill (date of birth, member id)",
    Information.EPISODES: "your episodes of care (when you started and left, and why)",
    Information.RECOVERY_PLAN: "your recovery plan",
    Information.SESSION_NOTES: "your signed session notes",
    Information.CHECKINS: "your check-in scores",
}


def in_plain_words(kinds: Iterable[str]) -> str:
    """ "your recovery plan and your check-in scores"."""
    order = {kind: position for position, kind in enumerate(Information.values)}
    phrases = [PLAIN.get(kind, kind) for kind in sorted(kinds, key=lambda k: order.get(k, 99))]
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


def _day(value: date) -> str:
    return dateformat.format(value, "j F Y")


def _dates(consent: Consent) -> str:
    if consent.information_from and consent.information_to:
        return f"from {_day(consent.information_from)} to {_day(consent.information_to)}"
    if consent.information_from:
        return f"from {_day(consent.information_from)} until this consent ends"
    return "from any date in your record until this consent ends"


def _ends(consent: Consent) -> str:
    if consent.ends_on:
        return f"This consent ends on {_day(consent.ends_on)} (it still holds on that day)."
    return (
        f"This consent ends when this happens: {consent.ends_on_event}. Until then it stays "
        "in force unless you revoke it. Your coach checks every month whether it has happened."
    )


def consent_sections(consent: Consent) -> list[Section]:
    """The consent's words, section by section, as shown for signing. Needs
    the consent's client and recipient (select_related) and one query for
    the organisation."""
    organisation, address, phone = organisation_identity()
    if organisation == NO_NAME:
        organisation = NO_ORGANISATION
    recipient = consent.recipient_label
    legal_name = consent.legal_name or consent.client.display_name
    kind = PurposeKind(consent.purpose_kind)
    to_whom = (
        f"Your records may go to {recipient}."
        if kind != PurposeKind.TPO
        else f"This is one consent for all future uses and disclosures of your records for "
        f"treatment, payment, and health care operations. Your records may go to {recipient}."
    )
    if consent.recipient_id and consent.recipient.covered_entity and kind in TPO_KINDS:
        to_whom += " " + HIPAA_REDISCLOSURE.format(recipient=recipient)
    who = organisation
    if address:
        who += f", {address}"
    if phone:
        who += f", phone {phone}"
    sections = [
        Section("Your name", legal_name),
        Section("Who may use and share your records", who),
        Section(
            "What may be shared",
            f"{in_plain_words(consent.information).capitalize()}, {_dates(consent)}. "
            "These are records of your peer recovery support for substance use.",
        ),
        Section("Who may receive them", to_whom),
        Section(
            "What for",
            f"{consent.get_purpose_kind_display()}: {consent.purpose}",
        ),
        Section(
            "Your right to revoke",
            REVOKE.format(organisation=organisation, address=f" at {address}" if address else ""),
        ),
        Section("When it ends", _ends(consent)),
    ]
    if kind in TPO_KINDS:
        refusal = REFUSAL.get(kind, REFUSAL_DEFAULT).format(recipient=recipient)
        sections.append(Section("If the recipient shares them", MAY_BE_REDISCLOSED))
        sections.append(Section("If you do not sign", refusal))
    else:
        sections.append(Section("If you do not sign", REFUSAL_DEFAULT.format(recipient=recipient)))
    return sections


def consent_text(sections: list[Section], *, signature: str = "") -> str:
    """The sections as plain text, headings on their own line; with the
    signature line (2.31(a)(8), (9)) when it is signed."""
    body = "\n\n".join(f"{section.heading}\n{section.text}" for section in sections)
    return f"{body}\n\n{signature}" if signature else body


def frozen_copy(consent: Consent, *, signature: str) -> tuple[str, str, str]:
    """What a signature keeps: the text shown with the signature line, the
    wording's version, and the SHA-256 (hex) of the text as UTF-8."""
    text = consent_text(consent_sections(consent), signature=signature)
    return text, WORDING_VERSION, hashlib.sha256(text.encode()).hexdigest()
