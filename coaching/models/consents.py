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
- A `Disclosure` is one row per client per export that left the
  organisation, naming the consent it relied on. The table is append-only
  in PostgreSQL itself (coaching 0011), like the audit trail.
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


class Consent(models.Model):
    """A client's written consent to disclose some of their information to
    one recipient for one purpose, until a date or an event."""

    Information = Information

    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="consents")
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="consents")
    purpose = EncryptedTextField(max_length=500)
    information = ArrayField(models.CharField(max_length=30, choices=Information.choices))
    ends_on = models.DateField(null=True, blank=True)
    ends_on_event = EncryptedTextField(blank=True, max_length=200)
    prepared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    # The client's name as they typed it, and when: their signature.
    signed_name = EncryptedTextField(blank=True, max_length=150)
    signed_at = models.DateTimeField(null=True, blank=True)
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
                    revocation_medium__in=["letter", "form", "email", "fax", "other"],
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

    def in_force_on(self, day) -> bool:
        """Signed, not revoked or ended, and not past its end date on `day`
        (it holds on the end date itself). The same rule as
        coaching.selectors.consents.consents_covering, for one row in hand."""
        return (
            self.signed_at is not None
            and self.revoked_at is None
            and (self.ends_on is None or self.ends_on >= day)
        )


class ExportKind(models.TextChoices):
    CLAIM_FILE = "claim_file", "Claim file"
    NAMED_RECIPIENT = "named_recipient", "Disclosure to a named recipient"


class Disclosure(models.Model):
    """One client's information leaving the organisation once: when, to whom,
    what, by whom, and the consent it relied on. Append-only (a trigger in
    coaching 0011 refuses UPDATE and DELETE)."""

    Export = ExportKind

    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="disclosures")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="disclosures")
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="+")
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
        ]
        indexes = [
            models.Index(fields=["client", "at"], name="disclosure_client_at_idx"),
        ]

    def __str__(self) -> str:
        return f"Disclosure {self.pk} of {self.client_id}"

    def information_labels(self) -> list[str]:
        labels = dict(Information.choices)
        return [labels.get(kind, kind) for kind in self.information]
