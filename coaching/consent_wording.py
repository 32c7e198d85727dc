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

In the client's language (issue 31): every element in English, the rule's
words where it gives them, and in Spanish beside it, translated for meaning
(a Spanish reader must get the same statement), so the two can be read
against each other here. A client reads and signs the consent in their own
language (User.language); the signature keeps that text and the English
text of the same consent (Consent.signed_text, signed_text_english), each
with its SHA-256. The texts are written here, not in the translation
catalogue: what a signature freezes must not change with a catalogue edit.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import dateformat, translation

from coaching.models import Consent, Information, PurposeKind
from coaching.models.consents import TPO_RECIPIENTS, Authority, SignedHow
from coaching.notices import NO_NAME, organisation_identity

WORDING_VERSION = "42 CFR 2.31 (2024) wording 2026-12-06"

# The languages a consent is written in; English is the reference.
ENGLISH = "en"
WORDING_LANGUAGES = (ENGLISH, "es")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish (español)"}

TPO_KINDS = frozenset(
    {PurposeKind.TREATMENT, PurposeKind.PAYMENT, PurposeKind.OPERATIONS, PurposeKind.TPO}
)

# 2.31(a)(4)(iii), in the rule's words.
HIPAA_REDISCLOSURE = {
    "en": (
        "Because {recipient} is a covered entity or business associate under HIPAA and "
        "receives your records for treatment, payment, or health care operations, your "
        "record (or information contained in your record) may be redisclosed in accordance "
        "with the permissions contained in the HIPAA regulations, except for uses and "
        "disclosures for civil, criminal, administrative, and legislative proceedings "
        "against you."
    ),
    "es": (
        "Como {recipient} es una entidad cubierta o un socio comercial según HIPAA y "
        "recibe tus expedientes para tratamiento, pago u operaciones de atención médica, tu "
        "expediente (o la información que contiene) puede volver a divulgarse según los "
        "permisos que dan las normas de HIPAA, excepto para usos y divulgaciones en "
        "procedimientos civiles, penales, administrativos y legislativos en tu contra."
    ),
}

# 2.31(a)(10)(i): the potential for redisclosure.
MAY_BE_REDISCLOSED = {
    "en": (
        "Records used or disclosed under this consent may be redisclosed by the recipient, "
        "and once redisclosed they may no longer be protected by the federal rules on the "
        "confidentiality of substance use disorder records (42 CFR part 2)."
    ),
    "es": (
        "Quien reciba los expedientes que se usen o divulguen con este consentimiento puede "
        "volver a divulgarlos. Una vez divulgados de nuevo, es posible que ya no los "
        "protejan las normas federales sobre la confidencialidad de los expedientes de "
        "trastornos por consumo de sustancias (42 CFR parte 2)."
    ),
}

# 2.31(a)(10)(ii): the consequences of refusing to sign.
_STILL_COACHED = {
    "en": "If you do not sign, you will still get peer recovery coaching from us.",
    "es": (
        "Si no firmas, igual sigues recibiendo con nosotros tu coaching de recuperación "
        "entre pares."
    ),
}
REFUSAL = {
    PurposeKind.PAYMENT: {
        "en": (
            "We will not send your information to {recipient}, so we cannot bill them for "
            "your sessions under this consent."
        ),
        "es": (
            "No enviaremos tu información a {recipient}, así que no podremos cobrarles tus "
            "sesiones con este consentimiento."
        ),
    },
    PurposeKind.TPO: {
        "en": (
            "We will ask for a separate consent each time your records would go to someone "
            "else for treatment, payment or health care operations, and without one they do "
            "not go."
        ),
        "es": (
            "Te pediremos un consentimiento aparte cada vez que tus expedientes tengan que ir "
            "a otra persona o entidad para tratamiento, pago u operaciones de atención médica. "
            "Sin ese consentimiento, no se envían."
        ),
    },
}
REFUSAL_DEFAULT = {
    "en": "Your information will not go to {recipient} for this purpose.",
    "es": "Tu información no irá a {recipient} para este fin.",
}

REVOKE = {
    "en": (
        "You may revoke this consent at any time, in writing: press “Revoke this consent” "
        "on the “My consents” page of the app, or write to {organisation}{address}. A "
        "revocation stops any use or disclosure under this consent from the moment we "
        "receive it. It cannot undo what {organisation} or the recipient already did in "
        "reliance on this consent before then."
    ),
    "es": (
        "Puedes revocar este consentimiento en cualquier momento, por escrito: toca "
        "“Revocar este consentimiento” en la página “Mis consentimientos” de la app, o "
        "escribe a {organisation}{address}. La revocación detiene todo uso o divulgación "
        "con este consentimiento desde el momento en que la recibimos. No puede deshacer lo "
        "que {organisation} o quien lo recibió ya hizo antes, confiando en este "
        "consentimiento."
    ),
}

NO_ORGANISATION = {
    "en": "the organisation providing your peer recovery coaching",
    "es": "la organización que te da el coaching de recuperación entre pares",
}

# The rest of the words, English and Spanish side by side.
WORDS = {
    "en": {
        "name": "Your name",
        "who": "Who may use and share your records",
        "what": "What may be shared",
        "to_whom": "Who may receive them",
        "what_for": "What for",
        "revoke": "Your right to revoke",
        "ends": "When it ends",
        "redisclosed": "If the recipient shares them",
        "refusal": "If you do not sign",
        "may_go": "Your records may go to {recipient}.",
        "tpo": (
            "This is one consent for all future uses and disclosures of your records for "
            "treatment, payment, and health care operations."
        ),
        "phone": "phone {phone}",
        "at": " at {address}",
        "records_of": "These are records of your peer recovery support for substance use.",
        "from_to": "from {first} to {last}",
        "from": "from {first} until this consent ends",
        "any_date": "from any date in your record until this consent ends",
        "ends_on": "This consent ends on {day} (it still holds on that day).",
        "ends_event": (
            "This consent ends when this happens: {event}. Until then it stays in force "
            "unless you revoke it. Your coach checks every month whether it has happened."
        ),
        "and": " and ",
        "signed": "Signed by {name} on {day}",
        "as": ", as {authority} of {client}",
        "day": "j F Y",
    },
    "es": {
        "name": "Tu nombre",
        "who": "Quién puede usar y compartir tus expedientes",
        "what": "Qué se puede compartir",
        "to_whom": "Quién puede recibirlos",
        "what_for": "Para qué",
        "revoke": "Tu derecho a revocarlo",
        "ends": "Cuándo termina",
        "redisclosed": "Si quien los recibe los comparte",
        "refusal": "Si no firmas",
        "may_go": "Tus expedientes pueden ir a {recipient}.",
        "tpo": (
            "Este es un solo consentimiento para todos los usos y divulgaciones futuros de "
            "tus expedientes para tratamiento, pago y operaciones de atención médica."
        ),
        "phone": "teléfono {phone}",
        "at": ", en {address}",
        "records_of": (
            "Son registros de tu apoyo de recuperación entre pares por el consumo de sustancias."
        ),
        "from_to": "del {first} al {last}",
        "from": "desde el {first} hasta que termine este consentimiento",
        "any_date": "de cualquier fecha de tu expediente hasta que termine este consentimiento",
        "ends_on": "Este consentimiento termina el {day} (ese día todavía vale).",
        "ends_event": (
            "Este consentimiento termina cuando pase esto: {event}. Hasta entonces sigue "
            "vigente, a menos que lo revoques. Tu coach revisa cada mes si ya pasó."
        ),
        "and": " y ",
        "signed": "Firmado por {name} el {day}",
        "as": ", como {authority} de {client}",
        "day": r"j \d\e F \d\e Y",
    },
}

# The labels of the model's choices, as the consent prints them (the
# model's own are the English).
CHOICES_ES = {
    PurposeKind.TREATMENT: "Tratamiento",
    PurposeKind.PAYMENT: "Pago",
    PurposeKind.OPERATIONS: "Operaciones de atención médica",
    PurposeKind.TPO: (
        "Tratamiento, pago y operaciones de atención médica (un solo consentimiento para todo)"
    ),
    PurposeKind.OTHER: "Otro fin",
    SignedHow.IN_APP: "firmado por la persona en la app",
    SignedHow.PAPER_CLIENT: "firmado en papel por la persona",
    SignedHow.PAPER_REPRESENTATIVE: "firmado en papel por un representante",
    Authority.PARENT_OF_MINOR: "madre o padre de un menor",
    Authority.GUARDIAN: "tutor designado por un tribunal",
    Authority.HEALTH_CARE_PROXY: "apoderado para decisiones de atención médica",
}
# 2.31(a)(4)(i)'s class of recipients of the single TPO consent.
TPO_RECIPIENTS_ES = (
    "mis proveedores de tratamiento, planes de salud, terceros pagadores y las personas que "
    "ayudan a operar este programa"
)


def recipient_in_words(consent: Consent, language: str | None = None) -> str:
    """Who the consent lets information go to, in `language` (None: the
    active one): the recipient's name, or the single TPO consent's class of
    recipients (2.31(a)(4)(i)) in that language."""
    if consent.recipient_id:
        return consent.recipient.label
    return TPO_RECIPIENTS_ES if wording_language(language) == "es" else TPO_RECIPIENTS


def choice_label(choice, language: str) -> str:
    return CHOICES_ES[choice] if language == "es" else choice.label


# What each kind of information is, in the words the client's page uses:
# "Dana Lee sent your attendance and service record to Acme Health Plan".
PLAIN = {
    "en": {
        Information.SERVICE_RECORD: "your attendance and service record",
        Information.BILLING_IDS: "the identifiers a payer needs to bill (date of birth, member id)",
        Information.EPISODES: "your episodes of care (when you started and left, and why)",
        Information.RECOVERY_PLAN: "your recovery plan",
        Information.SESSION_NOTES: "your signed session notes",
        Information.CHECKINS: "your check-in scores",
    },
    "es": {
        Information.SERVICE_RECORD: "tu registro de asistencia y servicios",
        Information.BILLING_IDS: (
            "los datos que un pagador necesita para cobrar (fecha de nacimiento, número de miembro)"
        ),
        Information.EPISODES: "tus etapas de atención (cuándo empezaste, cuándo saliste y por qué)",
        Information.RECOVERY_PLAN: "tu plan de recuperación",
        Information.SESSION_NOTES: "tus notas de sesión firmadas",
        Information.CHECKINS: "los puntajes de tus chequeos de confianza",
    },
}


def wording_language(code: str | None = None) -> str:
    """The consent language for a language code ("es", "es-mx"; None: the
    active one): English unless the consent is written in it."""
    code = (code or translation.get_language() or ENGLISH).split("-")[0]
    return code if code in WORDING_LANGUAGES else ENGLISH


def in_plain_words(kinds: Iterable[str], language: str | None = None) -> str:
    """ "your recovery plan and your check-in scores", in `language` (None:
    the active one)."""
    language = wording_language(language)
    order = {kind: position for position, kind in enumerate(Information.values)}
    plain = PLAIN[language]
    phrases = [plain.get(kind, kind) for kind in sorted(kinds, key=lambda k: order.get(k, 99))]
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + WORDS[language]["and"] + phrases[-1]


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


def day_in(value: date, language: str) -> str:
    # The month's name in the consent's language, whoever is looking.
    with translation.override(language):
        return dateformat.format(value, WORDS[language]["day"])


def _dates(consent: Consent, words: dict, language: str) -> str:
    if consent.information_from and consent.information_to:
        first, last = (
            day_in(consent.information_from, language),
            day_in(consent.information_to, language),
        )
        return words["from_to"].format(first=first, last=last)
    if consent.information_from:
        return words["from"].format(first=day_in(consent.information_from, language))
    return words["any_date"]


def _ends(consent: Consent, words: dict, language: str) -> str:
    if consent.ends_on:
        return words["ends_on"].format(day=day_in(consent.ends_on, language))
    return words["ends_event"].format(event=consent.ends_on_event)


def consent_language(consent: Consent) -> str:
    """The language the consent is shown and signed in: its client's."""
    return wording_language(consent.client.language)


def consent_sections(
    consent: Consent, language: str | None = None, *, identity: tuple | None = None
) -> list[Section]:
    """The consent's words, section by section, as shown for signing, in
    `language` (None: the client's). Needs the consent's client and
    recipient (select_related) and one query for the organisation (none
    when `identity`, organisation_identity()'s answer, is given)."""
    language = language or consent_language(consent)
    words = WORDS[language]
    organisation, address, phone = identity or organisation_identity()
    if organisation == NO_NAME:
        organisation = NO_ORGANISATION[language]
    recipient = recipient_in_words(consent, language)
    legal_name = consent.legal_name or consent.client.display_name
    kind = PurposeKind(consent.purpose_kind)
    to_whom = words["may_go"].format(recipient=recipient)
    if kind == PurposeKind.TPO:
        to_whom = f"{words['tpo']} {to_whom}"
    if consent.recipient_id and consent.recipient.covered_entity and kind in TPO_KINDS:
        to_whom += " " + HIPAA_REDISCLOSURE[language].format(recipient=recipient)
    who = organisation
    if address:
        who += f", {address}"
    if phone:
        who += ", " + words["phone"].format(phone=phone)
    what = in_plain_words(consent.information, language)
    sections = [
        Section(words["name"], legal_name),
        Section(words["who"], who),
        Section(
            words["what"],
            f"{what[:1].upper()}{what[1:]}, {_dates(consent, words, language)}. "
            + words["records_of"],
        ),
        Section(words["to_whom"], to_whom),
        Section(words["what_for"], f"{choice_label(kind, language)}: {consent.purpose}"),
        Section(
            words["revoke"],
            REVOKE[language].format(
                organisation=organisation,
                address=words["at"].format(address=address) if address else "",
            ),
        ),
        Section(words["ends"], _ends(consent, words, language)),
    ]
    refusal = REFUSAL.get(kind, REFUSAL_DEFAULT) if kind in TPO_KINDS else REFUSAL_DEFAULT
    if kind in TPO_KINDS:
        sections.append(Section(words["redisclosed"], MAY_BE_REDISCLOSED[language]))
    refusal_text = f"{_STILL_COACHED[language]} {refusal[language].format(recipient=recipient)}"
    sections.append(Section(words["refusal"], refusal_text))
    return sections


def consent_text(sections: list[Section], *, signature: str = "") -> str:
    """The sections as plain text, headings on their own line; with the
    signature line (2.31(a)(8), (9)) when it is signed."""
    body = "\n\n".join(f"{section.heading}\n{section.text}" for section in sections)
    return f"{body}\n\n{signature}" if signature else body
