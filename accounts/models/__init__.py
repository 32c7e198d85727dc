"""The tables of people and access, one module per feature where they
grew (people, their sessions); this package names them all, as the
migrations do (`accounts.models.User`, `accounts.models._invitation_expiry`)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.fields import EncryptedTextField
from accounts.models.login_sessions import LoginSession
from accounts.models.people import (
    STAFF_ROLES,
    TEAM_ROLES,
    Role,
    Team,
    User,
    UserManager,
    organisation_time_zone,
    validate_time_zone,
)

__all__ = [
    "STAFF_ROLES",
    "TEAM_ROLES",
    "AuditEvent",
    "CaseloadAssignment",
    "Invitation",
    "LoginSession",
    "PayerIdentity",
    "Role",
    "Team",
    "User",
    "UserManager",
    "organisation_time_zone",
    "validate_time_zone",
]


class CaseloadAssignment(models.Model):
    """A coach works with a client from `started_at` until `ended_at`.

    Rows are never deleted: the history of who coached whom is kept.
    """

    coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="caseload_assignments")
    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="coach_assignments")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Why a client moved on: the supervisor's words about a person, encrypted.
    end_reason = EncryptedTextField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(ended_at__isnull=True),
                name="one_active_coach_per_client",
                violation_error_message="This client already has an active coach.",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="assignment_ends_after_start",
                violation_error_message="An assignment cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(coach=F("client")),
                name="assignment_coach_is_not_client",
                violation_error_message="A person cannot coach themselves.",
            ),
        ]
        indexes = [
            # Covering: the policy's ids per coach and the dashboard's
            # caseload figures (since when) from the index alone, in the
            # order of the kept figures' index (coach, relationship): the
            # two are merged on both keys, one pass each. In (coach, client)
            # order they were merged on the coach alone, and PostgreSQL
            # read each coach's figures again for every relationship
            # (61,300 entries for an admin's page of 50 coaches at 10x).
            models.Index(
                fields=["coach", "id"],
                include=["client", "started_at"],
                condition=Q(ended_at__isnull=True),
                name="assignment_active_by_coach",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coach} → {self.client}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class PayerIdentity(models.Model):
    """What a payer needs to know a client by: their date of birth and their
    member id with the payer. Apart from User (loaded on every request), and
    encrypted: for the client and the staff who bill (policy.payer_identity_scope)."""

    client = models.OneToOneField(User, on_delete=models.PROTECT, related_name="payer_identity")
    # ISO date (YYYY-MM-DD) as encrypted text: the service checks the format.
    date_of_birth = EncryptedTextField(max_length=10, blank=True)
    member_id = EncryptedTextField(max_length=40, blank=True)
    # As on the member's card, for the claim (837P 2010BA): legal name, sex
    # (F, M or U) and address, which may differ from the name the app shows.
    legal_last_name = EncryptedTextField(max_length=60, blank=True)
    legal_first_name = EncryptedTextField(max_length=35, blank=True)
    sex = EncryptedTextField(max_length=1, blank=True)
    address_line1 = EncryptedTextField(max_length=55, blank=True)
    address_line2 = EncryptedTextField(max_length=55, blank=True)
    city = EncryptedTextField(max_length=30, blank=True)
    state = EncryptedTextField(max_length=2, blank=True)
    postal_code = EncryptedTextField(max_length=9, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Payer identity of {self.client_id}"


def _invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class Invitation(models.Model):
    """A single-use link that lets one person create their account.

    Only a SHA-256 digest of the token is stored, so a database read does not
    yield working links.
    """

    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=20, choices=Role.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT)
    # For a client: the coach they will be assigned to.
    coach = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="client_invitations"
    )
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_sent")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="invitation"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The language of the invitation email, and the new account's.
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default="en", db_default="en"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.CLIENT) | Q(coach__isnull=False),
                name="client_invitation_has_coach",
            ),
        ]
        indexes = [models.Index(fields=["invited_by", "-created_at"])]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class AuditEvent(models.Model):
    """Who did what to which record, and when. Never the content.

    Append-only: a Postgres trigger refuses UPDATE and DELETE.
    """

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        DENIED = "denied", "Denied"
        FAILED = "failed", "Failed"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Every page that shows a client writes rows here, so each index costs on
    # every view: the (actor, -at) and (client, -at) indexes below serve the
    # lookups by actor and by client too, and no single-column ones are kept.
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_index=False,
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    client = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events_about",
        db_index=False,
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    # A page that shows clients (a list, an export, a feed) writes one event
    # per view listing them all here (accounts.audit.audit_clients_shown),
    # not a row per client; `client` is set too when it showed exactly one.
    # Each client's kind (what the page showed of them) is
    # part_actions[client_parts[i]] for the client at client_ids[i]: a page
    # in several parts (the coach home's caseload, then its notes to finish)
    # names each part's action; one part needs no client_parts (part 1), and
    # empty part_actions mean the event's own action (`kind_of`).
    client_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    part_actions = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    client_parts = ArrayField(models.SmallIntegerField(), default=list, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["client", "-at"]),
            models.Index(fields=["actor", "-at"]),
            GinIndex(fields=["client_ids"], name="accounts_audit_client_ids"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @staticmethod
    def about(client_id: int) -> Q:
        """The events about a client: about them alone (`client`) or a
        page that listed them (`client_ids`, the GIN index)."""
        return Q(client_id=client_id) | Q(client_ids__contains=[client_id])

    def clients_shown(self) -> list[tuple[int, str]]:
        """(client id, kind) for each client the event is about."""
        if not self.client_ids:
            return [(self.client_id, self.action)] if self.client_id else []
        return [(pk, self.kind_of(pk)) for pk in self.client_ids]

    def kind_of(self, client_id: int) -> str:
        """What the event showed of `client_id` (SQL: audit.KIND_SQL)."""
        if not self.part_actions or client_id not in self.client_ids:
            return self.action
        parts = self.client_parts
        part = parts[self.client_ids.index(client_id)] if parts else 1
        return self.part_actions[part - 1]
