"""The lists a claim is built from: where a service was given, billing codes
and funding programmes (admins edit them)."""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models

from sessions_log import units as unit_rules


class PlaceType(models.TextChoices):
    """Where a service was given, as a claim states it."""

    OFFICE = "office", "Office"
    COMMUNITY = "community", "Community"
    HOME = "home", "Home"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"


class ServiceCode(models.Model):
    """A billing code with its modifiers (H0038, H0038-HQ for a group): a
    list admins edit. A code in use is switched off, never deleted: the
    sessions billed under it keep it. Not ServiceType, the services a coach
    ticks on a note."""

    code = models.CharField(max_length=10)
    # Two-character modifiers, as the payer wants them, e.g. "HQ" or "HQ U1".
    modifiers = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code", "modifiers"]
        constraints = [
            models.UniqueConstraint(fields=["code", "modifiers"], name="service_code_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return "-".join([self.code, *self.modifiers.split()])


# The contact modes (Session.Modality values) a programme pays for unless
# an admin says otherwise: not text messages.
PAID_MODALITIES = ["in_person", "phone", "video"]


def default_paid_modalities() -> list[str]:
    return list(PAID_MODALITIES)


class FundingProgramme(models.Model):
    """Who pays for a session (Medicaid, a grant, none): a list admins edit.
    A programme that is `billed` gets claims, sent to its payer (the
    recipient a client's consent must name: coaching.ProgrammePayer).
    Its contract says how minutes become units (sessions_log/units.py), the
    daily cap per client and code, the contact modes it pays for and its fee
    per unit."""

    class UnitRule(models.TextChoices):
        CMS_DAY_TOTAL = (
            unit_rules.CMS_DAY_TOTAL,
            "CMS: the day's total timed minutes per client, code and date of service",
        )
        PER_SESSION = unit_rules.PER_SESSION, "Each session rounded on its own"

    name = models.CharField(max_length=100, unique=True)
    billed = models.BooleanField(default=True)
    unit_rule = models.CharField(
        max_length=20,
        choices=UnitRule.choices,
        default=UnitRule.CMS_DAY_TOTAL,
        db_default=UnitRule.CMS_DAY_TOTAL,
    )
    daily_unit_cap = models.PositiveSmallIntegerField(
        default=16,
        db_default=16,
        help_text="Units of one code per client and day; past it, none are billed.",
    )
    billable_modalities = ArrayField(
        models.CharField(max_length=20),
        default=default_paid_modalities,
        blank=True,
        help_text="The contact modes it pays for (in_person, phone, video, text).",
    )
    fee_per_unit = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0.00"), db_default=Decimal("0.00")
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
