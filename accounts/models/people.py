"""People: their roles, the teams coaches and supervisors belong to, and the
account each signs in with."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    COACH = "coach", "Coach"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"


STAFF_ROLES = frozenset({Role.COACH, Role.SUPERVISOR, Role.ADMIN})
TEAM_ROLES = frozenset({Role.COACH, Role.SUPERVISOR})


def organisation_time_zone() -> str:
    """A new person's time zone until they choose theirs: the organisation's
    (read when the person is made, so a changed setting applies to people
    made after it)."""
    return settings.TIME_ZONE


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
        max_length=64, default=organisation_time_zone, validators=[validate_time_zone]
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
    # The language the app, its emails and calendar files speak to this
    # person (settings.LANGUAGES): the client chooses it; a coach picks it
    # for the invitation.
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default="en", db_default="en"
    )

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
        indexes = [
            models.Index(fields=["team", "role"]),
            # The access policy's joins (a relationship's client and coach:
            # role, team) and the names (and languages) the pages list, from
            # the index alone: an index-only scan, not a visit to the row.
            models.Index(
                fields=["id"],
                include=["role", "team", "display_name", "language"],
                name="user_policy_language_cover",
            ),
            # The staff's ids alone (a few thousand entries whatever the
            # number of clients): the review queue and coach detail check
            # that a relationship's client is one by finding them absent
            # here, not by reading their row (accounts/policy/sql.py
            # without_client_row).
            models.Index(fields=["id"], condition=~Q(role=Role.CLIENT), name="user_staff_ids"),
            # The coaches in the dashboard's name orders (either way, ties
            # by stored name and id ascending): its page of 50 read in order
            # and counted from here, not every coach's name sorted
            # (coaching/selectors/dashboard_coaches_sql.py).
            models.Index(
                Lower("display_name"),
                F("display_name"),
                F("id"),
                condition=Q(role=Role.COACH),
                name="user_coach_by_name",
            ),
            models.Index(
                Lower("display_name").desc(),
                F("display_name"),
                F("id"),
                condition=Q(role=Role.COACH),
                name="user_coach_by_name_desc",
            ),
        ]

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
