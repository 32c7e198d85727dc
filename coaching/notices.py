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


def organisation_name() -> str:
    """Who discloses, as exports name them: the organisation's name (its
    one BillingOrganisation row). One query."""
    organisation = BillingOrganisation.objects.current()
    return organisation.name if organisation else NO_NAME


def _day(value: date) -> str:
    return dateformat.format(value, "j F Y")


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
    covered = "Every date of service in the record"
    if on_day is not None:
        covered += f" up to {_day(on_day)}"
    return [
        consent.client.display_name,
        disclosed_by,
        consent.recipient_label,
        consent.purpose,
        "; ".join(consent.information_labels()),
        covered,
        ends,
        _day(signed),
        REVOCABLE,
    ]
