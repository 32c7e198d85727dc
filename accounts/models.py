import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.fields import EncryptedTextField


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    COACH = "coach", "Coach"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"


STAFF_ROLES = frozenset({Role.COACH, Role.SUPERVISOR, Role.ADMIN})
TEAM_ROLES = frozenset({Role.COACH, Role.SUPERVISOR})


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone from the list.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields["role"] = Role.ADMIN
        return self.create_user(email, password, **fields)


class Team(models.Model):
    """A supervisor oversees the coaches of their team."""

    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="team_name_unique_ci",
                violation_error_message="A team with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractBaseUser):
    # Stored lower-cased (see UserManager); the constraint below also refuses
    # two addresses differing only in case.
    email = models.EmailField(max_length=254, unique=True)
    display_name = models.CharField(max_length=100)
    time_zone = models.CharField(
        max_length=64, default=settings.TIME_ZONE, validators=[validate_time_zone]
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLIENT)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # A staff member's professional credential (CPRS, CRPS, ...), set by
    # admins: the signature line of a signed note and the claim carry it.
    credential = models.CharField(max_length=20, blank=True, default="", db_default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message="A person with this email address already exists.",
            ),
            models.CheckConstraint(
                condition=Q(team__isnull=True) | Q(role__in=[Role.COACH, Role.SUPERVISOR]),
                name="user_team_only_for_coach_or_supervisor",
                violation_error_message="Only coaches and supervisors belong to a team.",
            ),
        ]
        indexes = [models.Index(fields=["team", "role"])]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name.split(" ")[0] if self.display_name else ""

    @property
    def is_staff_role(self) -> bool:
        """Coaches, supervisors and admins: people who see client data."""
        return self.role in STAFF_ROLES

    # Django admin and its permission checks: only the admin role gets in.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label) -> bool:
        return self.is_staff


class LoginSession(AbstractBaseSession):
    """A browser's signed-in session: Django's session row, with the person it
    belongs to as a column of its own, so that the one statement that reads
    the session on every request loads the person too (accounts/sessions.py).
    Deleting a person ends their sessions."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions import SessionStore

        return SessionStore


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
            models.Index(
                fields=["coach", "client"],
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

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["client", "-at"]),
            models.Index(fields=["actor", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
