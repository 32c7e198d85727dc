"""Claims as sent and paid: who bills (the organisation, each coach's
rendering identity), the files sent (interchanges) and their batches (one
programme's claims for a range of days), each claim's lines and their state
up to payment, and the remittances (X12 835) that answered.

A batch fixes the lines it holds; its interchange keeps the 837P text made
from them, so downloading it again gives the same file. A session is on at most one live
line (in batch, accepted, paid or denied); a voided or replaced line frees it
only through the claim that voids or replaces it (frequency 8 or 7, naming
the payer's claim number)."""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.fields import EncryptedTextField
from accounts.models import User
from coaching.models.consents import Recipient
from coaching.models.disclosures import SentBy
from sessions_log.models import FundingProgramme, Session


class BillingOrganisationManager(models.Manager):
    def current(self) -> "BillingOrganisation | None":
        """The one row, or None before admins enter it."""
        return self.filter(pk=1).first()


class BillingOrganisation(models.Model):
    """The organisation that bills (837P 1000A submitter, 2010AA billing
    provider): one row, edited by admins."""

    name = models.CharField(max_length=60)
    address_line1 = models.CharField(max_length=55)
    address_line2 = models.CharField(max_length=55, blank=True)
    city = models.CharField(max_length=30)
    state = models.CharField(max_length=2)
    # 9 digits: the billing provider's ZIP+4 (2010AA N403).
    postal_code = models.CharField(max_length=9)
    npi = models.CharField("billing NPI", max_length=10)
    tax_id = models.CharField("tax id (EIN)", max_length=10)
    taxonomy = models.CharField(max_length=10)
    # As the receiver (clearinghouse or payer) knows the sender (1000A NM109).
    submitter_id = models.CharField(max_length=80)
    contact_name = models.CharField(max_length=60)
    contact_phone = models.CharField(max_length=10)
    updated_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = BillingOrganisationManager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="billing_organisation_one_row"),
        ]

    def __str__(self) -> str:
        return self.name


class ProviderIdentity(models.Model):
    """A coach as a claim names them (837P 2310B rendering provider): legal
    name, individual NPI and taxonomy. The credential is the User's."""

    coach = models.OneToOneField(User, on_delete=models.PROTECT, related_name="provider_identity")
    last_name = models.CharField(max_length=60)
    first_name = models.CharField(max_length=35)
    npi = models.CharField("rendering NPI", max_length=10)
    taxonomy = models.CharField(max_length=10)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Provider identity of {self.coach_id}"


class Frequency(models.TextChoices):
    """CLM05-3, the claim frequency type code."""

    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement"
    VOID = "8", "Void"


class ClaimInterchange(models.Model):
    """One 837P file (ISA/IEA) as sent: one or more batches (a batch per
    programme, each an ST/SE transaction). Its text is kept (encrypted: it
    names clients and diagnoses) so every download gives the same bytes."""

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # ISA13/GS06: unique per interchange the organisation sends.
    control_number = models.PositiveIntegerField(unique=True)
    file_text = EncryptedTextField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Interchange {self.control_number}"


class ClaimBatch(models.Model):
    """The claims of one programme for a range of days, made at once: one
    ST/SE transaction of an interchange. A batch fixes the lines it holds."""

    interchange = models.ForeignKey(
        ClaimInterchange, on_delete=models.PROTECT, related_name="batches"
    )
    programme = models.ForeignKey(FundingProgramme, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    first_day = models.DateField()
    last_day = models.DateField()
    # Original claims (1), or the replacements (7) or voids (8) of sent ones.
    frequency = models.CharField(
        max_length=1, choices=Frequency.choices, default=Frequency.ORIGINAL
    )
    # Set when staff mark the file sent: its disclosures are recorded then,
    # each consent checked again at that moment.
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the clearinghouse or payer acknowledged the file.
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Claim batch {self.pk}"


class Claim(models.Model):
    """One claim (837P CLM): one client's lines under one programme, coach
    and episode. `claim_id` is CLM01, the 835 echoes it in CLP01."""

    batch = models.ForeignKey(ClaimBatch, on_delete=models.PROTECT, related_name="claims")
    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    claim_id = models.CharField(max_length=20, unique=True)
    frequency = models.CharField(
        max_length=1, choices=Frequency.choices, default=Frequency.ORIGINAL
    )
    # The claim a replacement (7) or void (8) is for.
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followers"
    )
    # CLP07 of the 835 that answered it: what a replacement or void cites.
    payer_claim_number = models.CharField(max_length=50, blank=True)
    total_charge = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["batch", "pk"]
        indexes = [models.Index(fields=["client"])]

    def __str__(self) -> str:
        return f"Claim {self.claim_id}"


class LineState(models.TextChoices):
    """Where a service line stands. "Ready" is not stored: a billable
    session on no live line is ready."""

    IN_BATCH = "in_batch", "In batch"
    ACCEPTED = "accepted", "Accepted"
    PAID = "paid", "Paid"
    DENIED = "denied", "Denied"
    VOIDED = "voided", "Voided"
    REPLACED = "replaced", "Replaced"


LIVE_STATES = [LineState.IN_BATCH, LineState.ACCEPTED, LineState.PAID, LineState.DENIED]


class ClaimLine(models.Model):
    """One service line (837P 2400) of a claim: one session, as billed."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    # REF*6R, echoed in the 835's 2110 REF*6R.
    control_number = models.CharField(max_length=30, unique=True)
    service_date = models.DateField()
    code = models.CharField(max_length=10)
    modifiers = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    place_of_service = models.CharField(max_length=2)
    minutes = models.PositiveSmallIntegerField()
    units = models.PositiveSmallIntegerField()
    charge = models.DecimalField(max_digits=10, decimal_places=2)
    state = models.CharField(max_length=20, choices=LineState.choices, default=LineState.IN_BATCH)
    state_at = models.DateTimeField(default=timezone.now)
    paid_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    # The payer's adjustment codes, group and reason (e.g. CO-197).
    reason_codes = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    remittance = models.ForeignKey(
        "Remittance", null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )

    class Meta:
        ordering = ["claim", "service_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(state__in=LIVE_STATES),
                name="claim_line_one_live_per_session",
                violation_error_message="This session is already on a live claim.",
            ),
            models.CheckConstraint(condition=Q(units__gte=1), name="claim_line_has_units"),
        ]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"Claim line {self.control_number}"


class Remittance(models.Model):
    """An X12 835 uploaded by billing staff, kept as received (encrypted)."""

    payer_name = models.CharField(max_length=60)
    trace_number = models.CharField(max_length=50)
    payer_tax_id = models.CharField(max_length=10)
    payment_date = models.DateField()
    payment_amount = models.DecimalField(max_digits=12, decimal_places=2)
    file_text = EncryptedTextField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer_tax_id", "trace_number"],
                name="remittance_once_per_trace",
                violation_error_message="This remittance was uploaded already.",
            ),
        ]

    def __str__(self) -> str:
        return f"Remittance {self.trace_number}"


class ClaimSheet(models.Model):
    """The CSV claim file (the review sheet) of one programme and range of
    days as downloaded: its text kept (encrypted: it names clients, their
    dates of birth and member ids) so that "download again" and what staff
    mark sent are what they downloaded, and the clients on it with the
    first and last date of service it holds for each. Nothing counts as
    disclosed until staff mark it sent; each consent is checked again then
    (coaching/services/billing.py claim_sheet_mark_sent)."""

    programme = models.ForeignKey(FundingProgramme, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    file_text = EncryptedTextField()
    # Client id (as text) -> [first, last] date of service on the sheet (ISO).
    service_dates = models.JSONField(default=dict)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    marked_sent_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_by = models.CharField(max_length=12, choices=SentBy.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True, marked_sent_by__isnull=True, sent_by="")
                | (Q(sent_at__isnull=False, marked_sent_by__isnull=False) & ~Q(sent_by="")),
                name="claim_sheet_sent_complete",
            ),
            models.CheckConstraint(
                condition=Q(first_day__lte=models.F("last_day")), name="claim_sheet_days_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Claim sheet {self.pk}"

    @property
    def client_ids(self) -> list[int]:
        return sorted(int(pk) for pk in self.service_dates)
