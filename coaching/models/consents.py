"""Consents and disclosures (42 CFR Part 2): what a client agreed may leave
the organisation, to whom, and a record of every time something did.

- A `Recipient` is who information goes to: an organisation from a list
  admins keep (a payer, a treatment provider, a court), or a person a
  client named, kept with that client alone (`client` set). Consents and
  exports name a recipient by its row, never by comparing typed names: the
  claim file goes to the payer's row, and only consents naming that row
  cover it.
- A `Consent` is prepared by staff (recipient, purpose, which information,
  when it ends: a date or an event) and signed by the client on their phone
  (their name, typed, and a tick). It covers disclosures from its signature
  until the client revokes it, staff end it (the event happened) or its end
  date passes (it still holds on that day).
- What was signed is frozen with the signature (`signed_text`, its version
  and hash); paper signatures, by the client or a representative, are
  recorded by staff with the scan (`ConsentDocument`).
- What left the organisation under a consent is in coaching/models/disclosures.py.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.fields import EncryptedTextField
from accounts.models import User


class Information(models.TextChoices):
    """What a consent may cover: a fixed list, so that an export can ask
    whether every kind it sends is covered. Each label says in plain words
    what the kind holds (the client reads them before signing)."""

    SERVICE_RECORD = (
        "service_record",
        "Attendance and service record (dates, times, place, service codes, units)",
    )
    BILLING_IDS = "billing_ids", "Identifiers for billing (date of birth, payer member id)"
    EPISODES = "episodes", "Episodes of care (intake, discharge and its reason)"
    RECOVERY_PLAN = "recovery_plan", "Recovery plan (goals and steps)"
    SESSION_NOTES = "session_notes", "Signed session notes"
    CHECKINS = "checkins", "Trust check-ins (scores, not comments)"


class RecipientKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    PERSON = "person", "Person"


class Recipient(models.Model):
    """Who a consent lets information go to. Organisations are a list admins
    keep (their `name` in the clear, like the other lists: no one's words);
    a person is named by one client (`client` set), belongs to that client's
    consents alone, and their name is encrypted (`person_name`): it says
    something about the client who named them.

    A name is not edited once used: a disclosure names its recipient by this
    row, and renaming it would rewrite whom past disclosures went to (the
    admin shows it read-only on a saved row; add a new recipient instead)."""

    Kind = RecipientKind

    kind = models.CharField(max_length=20, choices=RecipientKind.choices)
    name = models.CharField(max_length=120, blank=True)
    person_name = EncryptedTextField(blank=True, max_length=120)
    client = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A HIPAA covered entity or business associate (a health plan, a
    # provider that bills electronically, a clearinghouse): a consent for it
    # to receive records for treatment, payment or operations carries the
    # statement of 42 CFR 2.31(a)(4)(iii).
    covered_entity = models.BooleanField(default=False)
    # Where it is, for the accounting of disclosures (45 CFR 164.528(b)(2)(ii)):
    # encrypted, since a person's address says who the client knows.
    address = EncryptedTextField(blank=True, max_length=300)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name", "pk"]
        constraints = [
            # An organisation is everyone's, by its name; a person is one
            # client's, by their encrypted name.
            models.CheckConstraint(
                condition=(
                    Q(kind="organisation", client__isnull=True, person_name="") & ~Q(name="")
                )
                | (Q(kind="person", client__isnull=False, name="") & ~Q(person_name="")),
                name="recipient_organisation_or_person",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(kind="organisation"),
                name="recipient_organisation_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The recipient's name, whichever kind it is."""
        return self.name or self.person_name


class RevokedHow(models.TextChoices):
    """How a signed consent stopped: the client revoked it in the app, staff
    recorded a revocation the client made in writing, or staff ended it (the
    event it ends on happened)."""

    IN_APP = "in_app", "Revoked by the client in the app"
    IN_WRITING = "in_writing", "Revoked by the client in writing"
    ENDED = "ended", "Ended by staff"


class RevocationMedium(models.TextChoices):
    """What a written revocation came as."""

    LETTER = "letter", "Letter"
    FORM = "form", "Our revocation form"
    EMAIL = "email", "Email"
    FAX = "fax", "Fax"
    OTHER = "other", "Other writing"


class SignedHow(models.TextChoices):
    """Who signed a consent, and where: the client in the app, or on paper
    (the client, or a representative with authority to sign for them,
    42 CFR 2.14, 2.15) recorded by staff with the scan."""

    IN_APP = "in_app", "Signed by the client in the app"
    PAPER_CLIENT = "paper_client", "Signed on paper by the client"
    PAPER_REPRESENTATIVE = "paper_representative", "Signed on paper by a representative"


class Authority(models.TextChoices):
    """Why a representative may sign for the client."""

    PARENT_OF_MINOR = "parent_of_minor", "Parent of a minor"
    GUARDIAN = "guardian", "Guardian appointed by a court"
    HEALTH_CARE_PROXY = "health_care_proxy", "Health care proxy"


class PurposeKind(models.TextChoices):
    TREATMENT = "treatment", "Treatment"
    PAYMENT = "payment", "Payment"
    OPERATIONS = "operations", "Health care operations"
    TPO = "tpo", "Treatment, payment and health care operations (one consent for all)"
    OTHER = "other", "Another purpose"


# How 2.31(a)(4)(i) lets a single TPO consent describe its recipients.
TPO_RECIPIENTS = (
    "my treating providers, health plans, third-party payers, and people helping to "
    "operate this program"
)


class Consent(models.Model):
    """A client's written consent to disclose some of their information to
    one recipient for one purpose, until a date or an event."""

    Information = Information

    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="consents")
    recipient = models.ForeignKey(
        Recipient, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    purpose = EncryptedTextField(max_length=500)
    information = ArrayField(models.CharField(max_length=30, choices=Information.choices))
    # The dates the information is from (42 CFR 2.31(a)(3): how much): a
    # disclosure under the consent sends nothing dated outside them. Null on
    # consents prepared before coaching 0017 (they covered every date).
    information_from = models.DateField(null=True, blank=True)
    information_to = models.DateField(null=True, blank=True)
    # The client's legal name as the consent states it (2.31(a)(1)), apart
    # from the name they go by on their account.
    legal_name = EncryptedTextField(blank=True, max_length=150)
    # What the use or disclosure is for, as the rule sorts it: treatment,
    # payment or health care operations carry the statements of 2.31(a)(10);
    # "tpo" is the single consent for all future uses and disclosures for
    # all three (2.31(a)(4)(i), 2.33(a)(2)), which names a class of
    # recipients rather than one (`recipient` is null).
    purpose_kind = models.CharField(
        max_length=12, choices=PurposeKind.choices, default=PurposeKind.OTHER
    )
    ends_on = models.DateField(null=True, blank=True)
    ends_on_event = EncryptedTextField(blank=True, max_length=200)
    prepared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    # The client's name as they typed it, and when: their signature.
    signed_name = EncryptedTextField(blank=True, max_length=150)
    signed_at = models.DateTimeField(null=True, blank=True)
    # Who signed and where; for a representative, their name and authority;
    # for paper, the staff member who recorded it (the scan is a
    # ConsentDocument).
    signed_how = models.CharField(max_length=24, choices=SignedHow.choices, blank=True)
    representative_name = EncryptedTextField(blank=True, max_length=150)
    representative_authority = models.CharField(
        max_length=20, choices=Authority.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What was signed, frozen: the exact text the signer saw, the version of
    # the wording and its SHA-256 (hex, of the text as UTF-8). A change of
    # wording later never touches a signed consent.
    signed_text = EncryptedTextField(blank=True)
    signed_text_version = models.CharField(max_length=40, blank=True)
    signed_text_sha256 = models.CharField(max_length=64, blank=True)
    # The language it was signed in (the signed_text's); signed in another
    # than English, the English text of the same consent and its SHA-256
    # too, as the record of what was signed (issue 31). "" before coaching 0023.
    signed_language = models.CharField(max_length=8, blank=True)
    signed_text_english = EncryptedTextField(blank=True)
    signed_text_english_sha256 = models.CharField(max_length=64, blank=True)
    # Revoked by the client, or ended by staff when the event happened.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # How it stopped; for a revocation in writing, what it came as, the day it
    # was received (in the client's calendar) and staff's note (revoked_by is
    # who recorded it; revoked_at when: exports stop from that moment).
    revoked_how = models.CharField(max_length=12, choices=RevokedHow.choices, blank=True)
    revocation_received_on = models.DateField(null=True, blank=True)
    revocation_medium = models.CharField(
        max_length=10, choices=RevocationMedium.choices, blank=True
    )
    revocation_note = EncryptedTextField(blank=True, max_length=500)

    class Meta:
        ordering = ["client", "-prepared_at", "-pk"]
        constraints = [
            # It ends on a date or on an event: exactly one of them.
            models.CheckConstraint(
                condition=Q(ends_on__isnull=False, ends_on_event="")
                | (Q(ends_on__isnull=True) & ~Q(ends_on_event="")),
                name="consent_ends_on_date_or_event",
            ),
            models.CheckConstraint(
                condition=Q(information__len__gt=0), name="consent_covers_something"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_name="")
                | (Q(signed_at__isnull=False) & ~Q(signed_name="")),
                name="consent_signature_has_name",
            ),
            # One recipient, or the single TPO consent's class of them.
            models.CheckConstraint(
                condition=Q(purpose_kind="tpo", recipient__isnull=True)
                | (~Q(purpose_kind="tpo") & Q(recipient__isnull=False)),
                name="consent_recipient_or_tpo_class",
            ),
            # A signature says who signed and where, and keeps what was signed.
            models.CheckConstraint(
                condition=Q(
                    signed_at__isnull=True,
                    signed_how="",
                    signed_text="",
                    signed_text_version="",
                    signed_text_sha256="",
                )
                | (
                    Q(signed_at__isnull=False)
                    & ~Q(signed_how="")
                    & ~Q(signed_text="")
                    & ~Q(signed_text_version="")
                    & Q(signed_text_sha256__regex=r"^[0-9a-f]{64}$")
                ),
                name="consent_signature_keeps_text",
            ),
            # A representative's signature names them and their authority;
            # nobody else's does. Paper says who recorded it; the app does not.
            models.CheckConstraint(
                condition=(
                    Q(signed_how="paper_representative")
                    & ~Q(representative_name="")
                    & Q(representative_authority__in=Authority.values)
                )
                | (
                    ~Q(signed_how="paper_representative")
                    & Q(representative_name="", representative_authority="")
                ),
                name="consent_representative_complete",
            ),
            models.CheckConstraint(
                condition=Q(signed_how__in=["paper_client", "paper_representative"])
                & Q(recorded_by__isnull=False)
                | ~Q(signed_how__in=["paper_client", "paper_representative"])
                & Q(recorded_by__isnull=True),
                name="consent_paper_recorded_by_staff",
            ),
            models.CheckConstraint(
                condition=Q(information_from__isnull=True)
                | Q(information_to__isnull=True)
                | Q(information_from__lte=models.F("information_to")),
                name="consent_information_dates_in_order",
            ),
            # Only a signed consent can be revoked (a draft is withdrawn).
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False, signed_at__isnull=False),
                name="consent_revoked_after_signing",
            ),
            # A stopped consent says how; one in writing says when it was
            # received and what it came as; nothing else has those.
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_how="")
                | (Q(revoked_at__isnull=False) & ~Q(revoked_how="")),
                name="consent_revoked_says_how",
            ),
            models.CheckConstraint(
                condition=Q(
                    revoked_how="in_writing",
                    revocation_received_on__isnull=False,
                    revocation_medium__in=RevocationMedium.values,
                )
                | (
                    ~Q(revoked_how="in_writing")
                    & Q(revocation_received_on__isnull=True, revocation_medium="")
                    & Q(revocation_note="")
                ),
                name="consent_written_revocation_complete",
            ),
        ]
        indexes = [
            # Exports look up the signed, unrevoked consents of many clients.
            models.Index(
                fields=["recipient", "client"],
                condition=Q(signed_at__isnull=False, revoked_at__isnull=True),
                name="consent_in_force_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk} of {self.client_id}"

    def information_labels(self) -> list[str]:
        labels = dict(Information.choices)
        return [labels.get(kind, kind) for kind in self.information]

    @property
    def recipient_label(self) -> str:
        """Who it lets information go to: the recipient's name, or the single
        TPO consent's class of recipients."""
        return self.recipient.label if self.recipient_id else TPO_RECIPIENTS

    def in_force_on(self, day) -> bool:
        """Signed, not revoked or ended, and not past its end date on `day`
        (it holds on the end date itself). The same rule as
        coaching.selectors.consents.consents_covering, for one row in hand."""
        return (
            self.signed_at is not None
            and self.revoked_at is None
            and (self.ends_on is None or self.ends_on >= day)
        )


class DocumentKind(models.TextChoices):
    SIGNED_CONSENT = "signed_consent", "Consent signed on paper"
    REVOCATION = "revocation", "Revocation in writing"


class ConsentDocument(models.Model):
    """A scan staff attached to a consent: the paper it was signed on, or the
    written revocation. PDF, JPEG or PNG only (checked by content), at most
    10 MB; the bytes are kept encrypted (base64 inside the ciphertext) and
    every read is audited."""

    Kind = DocumentKind

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = EncryptedTextField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="consent_document_type_allowed",
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=10 * 1024 * 1024),
                name="consent_document_size_allowed",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent document {self.pk}"
