"""What left the organisation about a client (42 CFR 2.24, 2.25; 45 CFR
164.528): a `Disclosure` per client each time, under a consent or an
exception, and the named-recipient files staff download and then mark sent.

- A `Disclosure` is one row per client per disclosure, written when it was
  sent: a claim batch or a named-recipient file when staff mark it sent
  (its consents checked again at that moment), one made outside the app when
  staff record it. It names the consent it relied on or the exception, the
  recipient and their address, the purpose, the kinds of information and the
  dates of service. The table is append-only in PostgreSQL itself
  (coaching 0011), like the audit trail.
- An `OutgoingFile` is a named-recipient file as downloaded (its text kept,
  encrypted, so what is marked sent is what was downloaded), until staff mark
  it sent.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.fields import EncryptedTextField
from accounts.models import User
from coaching.models.consents import Consent, Information, Recipient


class ExportKind(models.TextChoices):
    CLAIM_FILE = "claim_file", "Claim file"
    NAMED_RECIPIENT = "named_recipient", "Disclosure to a named recipient"
    OUTSIDE_APP = "outside_app", "Made outside the app, recorded by staff"


class Basis(models.TextChoices):
    """What a disclosure relied on: the client's consent, or one of the
    exceptions of 42 CFR Part 2 subparts D and E."""

    CONSENT = "consent", "The client's written consent"
    EMERGENCY = "emergency", "Medical emergency (42 CFR 2.51)"
    AUDIT = "audit", "Audit or evaluation (42 CFR 2.53)"
    ORDER_NONCRIMINAL = "order_2_64", "Court order for a noncriminal purpose (42 CFR 2.64)"
    ORDER_CRIMINAL = "order_2_65", "Court order in a criminal case against the client (42 CFR 2.65)"


class SentBy(models.TextChoices):
    """How the information went."""

    APP_FILE = "app_file", "A file from this app"
    PHONE = "phone", "Phone"
    PAPER = "paper", "Paper, by post or by hand"
    FAX = "fax", "Fax"
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"
    OTHER = "other", "Other"


class Disclosure(models.Model):
    """One client's information leaving the organisation once: when, to whom,
    what, by whom, and the consent it relied on. Append-only (a trigger in
    coaching 0011 refuses UPDATE and DELETE)."""

    Export = ExportKind
    Basis = Basis
    SentBy = SentBy

    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="disclosures")
    # The consent relied on; none for a disclosure under an exception.
    basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.CONSENT)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    # Who received it: a row of the recipients' list, or (made outside the
    # app, to someone not on it: a court, an emergency room) their name.
    recipient = models.ForeignKey(
        Recipient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_name = EncryptedTextField(blank=True, max_length=150)
    recipient_address = EncryptedTextField(blank=True, max_length=300)
    # Why, in the consent's words or staff's (164.528(b)(2)(iv)).
    purpose = EncryptedTextField(blank=True, max_length=500)
    # The dates of service the disclosed information is from.
    service_from = models.DateField(null=True, blank=True)
    service_to = models.DateField(null=True, blank=True)
    sent_by = models.CharField(max_length=12, choices=SentBy.choices, default=SentBy.APP_FILE)
    # When the row was written (`at` is when it was sent: for one recorded
    # afterwards, the day staff give).
    recorded_at = models.DateTimeField(default=timezone.now)
    information = ArrayField(models.CharField(max_length=30, choices=Information.choices))
    export = models.CharField(max_length=20, choices=ExportKind.choices)
    # What the export was, in the words of the code that made it (e.g. "Claim
    # file, 1-30 November 2026"): never the client's data.
    description = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # Which notice went with it (coaching/notices.py NOTICE_VERSION, e.g.
    # "42 CFR 2.32(a) Statement 1, 2024"); rows from before coaching 0014
    # say they carried the app's own wording.
    notice_version = models.CharField(max_length=80)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(export__in=[choice.value for choice in ExportKind]),
                name="disclosure_export_in_list",
            ),
            models.CheckConstraint(
                condition=~Q(notice_version=""), name="disclosure_names_its_notice"
            ),
            models.CheckConstraint(
                condition=Q(basis="consent", consent__isnull=False)
                | (~Q(basis="consent") & Q(consent__isnull=True)),
                name="disclosure_consent_or_exception",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(recipient_name=""),
                name="disclosure_names_its_recipient",
            ),
            models.CheckConstraint(
                condition=Q(service_from__isnull=True)
                | Q(service_to__isnull=True)
                | Q(service_from__lte=models.F("service_to")),
                name="disclosure_service_dates_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "at"], name="disclosure_client_at_idx"),
        ]

    def __str__(self) -> str:
        return f"Disclosure {self.pk} of {self.client_id}"

    def information_labels(self) -> list[str]:
        labels = dict(Information.choices)
        return [labels.get(kind, kind) for kind in self.information]

    @property
    def recipient_label(self) -> str:
        return self.recipient.label if self.recipient_id else self.recipient_name


class OutgoingFile(models.Model):
    """A disclosure to a consent's recipient as downloaded: what it holds
    (kinds, dates of service) and its text, kept encrypted so that what staff
    mark sent is what they downloaded. Marking it sent checks the consent
    again and records the Disclosure (`disclosure`); until then nothing
    counts as disclosed."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="files")
    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="+")
    information = ArrayField(models.CharField(max_length=30, choices=Information.choices))
    service_from = models.DateField(null=True, blank=True)
    service_to = models.DateField(null=True, blank=True)
    file_text = EncryptedTextField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    marked_sent_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_by = models.CharField(max_length=12, choices=SentBy.choices, blank=True)
    disclosure = models.OneToOneField(
        Disclosure, null=True, blank=True, on_delete=models.PROTECT, related_name="file"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    sent_at__isnull=True,
                    marked_sent_by__isnull=True,
                    sent_by="",
                    disclosure__isnull=True,
                )
                | (
                    Q(sent_at__isnull=False, marked_sent_by__isnull=False)
                    & ~Q(sent_by="")
                    & Q(disclosure__isnull=False)
                ),
                name="outgoing_file_sent_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Outgoing file {self.pk}"
