"""A client's requests about their own record (HIPAA, 45 CFR 164.524 right of
access, 164.526 amendment), logged by staff, each with its 30-day clock.

An amendment names the signed note it is about: accepted, it becomes an
addendum to that note written by the note's coach (`addendum`); denied, the
record keeps why (`denial_reason`, which the client is told) and the
client's statement of disagreement (164.526(d)(1)(ii)-(iii)), shown with the
record and in their download.
"""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.fields import EncryptedTextField
from accounts.models import User
from sessions_log.models import Addendum, Note

# 164.524(b)(2) and 164.526(b)(2): act no later than 30 days after receipt.
RESPONSE_DAYS = 30
# Days left at which a supervisor's list shows a request in red.
DUE_SOON_DAYS = 5


def due_on_for(received_on):
    return received_on + timedelta(days=RESPONSE_DAYS)


class RecordRequest(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", _("A copy of their record")
        AMENDMENT = "amendment", _("A change to their record")

    class Decision(models.TextChoices):
        OPEN = "", _("Open")
        DONE = "done", _("Copy given")
        ACCEPTED = "accepted", _("Amendment accepted")
        DENIED = "denied", _("Amendment denied")

    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="record_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    received_on = models.DateField()
    due_on = models.DateField()
    # What the client asked for, in their words or staff's summary of them.
    asked = EncryptedTextField(max_length=2000)
    # The signed note an amendment is about.
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    logged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(
        max_length=10, choices=Decision.choices, blank=True, default="", db_default=""
    )
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A denial's basis (told to the client) and the client's statement of
    # disagreement, kept with the record.
    denial_reason = EncryptedTextField(blank=True, max_length=2000)
    disagreement = EncryptedTextField(blank=True, max_length=4000)
    # What an accepted amendment became.
    addendum = models.OneToOneField(
        Addendum, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="access", note__isnull=True)
                | Q(kind="amendment", note__isnull=False),
                name="record_request_amendment_names_note",
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_on__isnull=True, decided_by__isnull=True)
                | (~Q(decision="") & Q(decided_on__isnull=False, decided_by__isnull=False)),
                name="record_request_decision_dated",
            ),
            models.CheckConstraint(
                condition=Q(decision="")
                | Q(kind="access", decision="done")
                | Q(kind="amendment", decision__in=["accepted", "denied"]),
                name="record_request_decision_fits_kind",
            ),
            models.CheckConstraint(
                condition=~Q(decision="accepted") | Q(addendum__isnull=False),
                name="record_request_accepted_has_addendum",
            ),
            models.CheckConstraint(
                condition=~Q(decision="denied") | ~Q(denial_reason=""),
                name="record_request_denied_has_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"], condition=Q(decision=""), name="record_request_open_idx"
            ),
            models.Index(fields=["client", "received_on"]),
        ]

    def __str__(self) -> str:
        return f"Record request {self.pk} ({self.get_kind_display()})"

    @property
    def is_open(self) -> bool:
        return self.decision == ""
