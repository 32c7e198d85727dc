"""The notice every disclosure made with a client's written consent carries
(42 CFR 2.32(a), as amended in 2024: 89 FR 12472, compliance date 16
February 2026), and the explanation of the consent's scope that goes with
it (2.32(b)).

2.32(a) lets a disclosure carry one of two statements. We carry Statement 1,
word for word: it names use as well as disclosure, "any Federal, State, or
local authority", and the covered-entity and business-associate cases that
apply when a payer receives a claim. Its paragraphs are joined by a newline,
as the rule sets them out: the opening, (i), (ii), (iii), and the closing
sentence. The statement's text must never be edited in place: a new wording
gets a new NOTICE_VERSION, which every Disclosure stores (`notice_version`),
so the record says which words went with each disclosure.

Plain constants and a plain function of a consent: exports, previews and
pages all read them from here."""

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone

from coaching.models import BillingOrganisation

NOTICE_VERSION = "42 CFR 2.32(a) Statement 1, 2024"

STATEMENT_1 = "\n".join(
    [
        "This record which has been disclosed to you is protected by Federal confidentiality "
        "rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, "
        "or testimony that describes the information contained in this record, in any civil, "
        "criminal, administrative, or legislative proceedings by any Federal, State, or local "
        "authority, against the patient, unless authorized by the consent of the patient, "
        "except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance "
        "with 42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any "
        "other use or disclosure of this record unless at least one of the following applies:",
        "(i) Further use or disclosure is expressly permitted by the written consent of the "
        "individual whose information is being disclosed in this record or as otherwise "
        "permitted by 42 CFR part 2.",
        "(ii) You are a covered entity or business associate and have received the record for "
        "treatment, payment, or health care operations, or",
        "(iii) You have received the record from a covered entity or business associate as "
        "permitted by 45 CFR part 164, subparts A and E.",
        "A general authorization for the release of medical or other information is NOT "
        "sufficient to meet the required elements of written consent to further use or "
        "redisclose the record (see 42 CFR 2.31).",
    ]
)

# Statement 1 in Spanish, beside the rule's words above, paragraph for
# paragraph: translated for meaning, for a Spanish-speaking client to read
# what a recipient is told (issue 31). It speaks to the recipient, so as
# "usted". What goes with a disclosure is always STATEMENT_1, the rule's own
# words: the recipient reads English, and NOTICE_VERSION names them.
STATEMENT_1_ES = "\n".join(
    [
        "Este expediente que se le ha divulgado está protegido por normas federales de "
        "confidencialidad (42 CFR parte 2). Estas normas le prohíben usar o divulgar este "
        "expediente, o testimonios que describan la información que contiene, en cualquier "
        "procedimiento civil, penal, administrativo o legislativo de cualquier autoridad "
        "federal, estatal o local contra el paciente, a menos que lo autorice el "
        "consentimiento del paciente, salvo lo previsto en 42 CFR 2.12(c)(5) o lo que "
        "autorice un tribunal de acuerdo con 42 CFR 2.64 o 2.65. Además, las normas "
        "federales le prohíben hacer cualquier otro uso o divulgación de este expediente, a "
        "menos que se cumpla al menos una de las siguientes condiciones:",
        "(i) El uso o la divulgación posterior está expresamente permitido por el "
        "consentimiento por escrito de la persona cuya información se divulga en este "
        "expediente, o lo permite de otro modo 42 CFR parte 2.",
        "(ii) Usted es una entidad cubierta o un socio comercial y ha recibido el expediente "
        "para tratamiento, pago u operaciones de atención médica, o",
        "(iii) Usted ha recibido el expediente de una entidad cubierta o de un socio comercial "
        "según lo permite 45 CFR parte 164, subpartes A y E.",
        "Una autorización general para divulgar información médica o de otro tipo NO es "
        "suficiente para cumplir los elementos exigidos del consentimiento por escrito para "
        "usar o volver a divulgar el expediente (véase 42 CFR 2.31).",
    ]
)
STATEMENTS_1 = {"en": STATEMENT_1, "es": STATEMENT_1_ES}


def statement_1_in(language: str) -> str:
    """Statement 1 for a client to read in `language` (English otherwise)."""
    return STATEMENTS_1.get((language or "en").split("-")[0], STATEMENT_1)


# The heading an export puts over the consent's scope (2.32(b)).
SCOPE_HEADING = "What the client's consent covers (42 CFR 2.32(b))"
SCOPE_LABELS = (
    "Client",
    "Disclosed by",
    "Recipient",
    "Purpose",
    "Information",
    "Dates covered",
    "Ends",
    "Signed",
    "Revocable",
)
REVOCABLE = (
    "Yes. The client may revoke this consent in writing at any time; what was "
    "disclosed in reliance on it before then cannot be recalled."
)


NO_NAME = "The organisation (its name is not set yet: an admin sets it on Billing identities)"


def organisation_identity() -> tuple[str, str, str]:
    """The organisation's name, postal address and phone, as consents and
    exports print them (its one BillingOrganisation row, one query); the
    address and phone empty while it is not set."""
    organisation = BillingOrganisation.objects.current()
    if organisation is None:
        return NO_NAME, "", ""
    zip_code = organisation.postal_code
    if len(zip_code) == 9:
        zip_code = f"{zip_code[:5]}-{zip_code[5:]}"
    lines = [
        organisation.address_line1,
        organisation.address_line2,
        f"{organisation.city}, {organisation.state} {zip_code}",
    ]
    phone = organisation.contact_phone
    if len(phone) == 10:
        phone = f"({phone[:3]}) {phone[3:6]}-{phone[6:]}"
    return organisation.name, ", ".join(line for line in lines if line), phone


def organisation_name() -> str:
    """Who discloses, as exports name them (2.32(b)'s scope, "Disclosed
    by"): the organisation's name, address and phone. One query."""
    name, address, phone = organisation_identity()
    return ", ".join(part for part in (name, address, phone and f"phone {phone}") if part)


def _day(value: date) -> str:
    return dateformat.format(value, "j F Y")


def _dates_covered(consent, on_day: date | None) -> str:
    """The dates of service the consent lets go, up to `on_day` (the
    export's last day) when it is given."""
    first, last = consent.information_from, consent.information_to
    if on_day is not None and (last is None or on_day < last):
        last = on_day
    if first is None:  # consents prepared before coaching 0017
        covered = "Every date of service in the record"
        return f"{covered} up to {_day(last)}" if last else covered
    if last is None:
        return f"From {_day(first)} until the consent ends"
    return f"From {_day(first)} to {_day(last)}"


def consent_scope(consent, *, disclosed_by: str, on_day: date | None = None) -> list[str]:
    """The consent's scope, in SCOPE_LABELS order, as plain words for an
    export (2.32(b): "a clear explanation of the scope of the consent"):
    whose, by whom, to whom, for what, which information, which dates of
    service, until when, signed when, and that it is revocable in writing.
    `consent` comes with its client and recipient; no query."""
    zone = ZoneInfo(consent.client.time_zone or "UTC")
    signed = timezone.localtime(consent.signed_at, zone).date()
    ends = (
        f"On {_day(consent.ends_on)} (it still covers that day)"
        if consent.ends_on
        else f"When this happens: {consent.ends_on_event}"
    )
    return [
        consent.legal_name or consent.client.display_name,
        disclosed_by,
        consent.recipient_label,
        consent.purpose,
        "; ".join(consent.information_labels()),
        _dates_covered(consent, on_day),
        ends,
        _day(signed),
        REVOCABLE,
    ]
