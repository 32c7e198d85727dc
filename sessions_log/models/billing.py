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


# CMS place-of-service codes (the CMS POS code set) a claim states for each
# place a session can be given: 11 office, 12 home, 99 other place (the
# community), 10 telehealth in the patient's home (02: telehealth elsewhere,
# for a payer that wants it). A programme may map its own.
DEFAULT_PLACE_CODES = {
    PlaceType.OFFICE: "11",
    PlaceType.HOME: "12",
    PlaceType.COMMUNITY: "99",
    PlaceType.PHONE: "10",
    PlaceType.VIDEO: "10",
}

# Telehealth modifiers by contact mode (Session.Modality values): 95 for
# real-time audio and video, 93 audio-only; GT where a payer still asks.
DEFAULT_TELEHEALTH_MODIFIERS = {"video": "95", "phone": "93"}


def default_place_codes() -> dict[str, str]:
    return {str(place): code for place, code in DEFAULT_PLACE_CODES.items()}


def default_telehealth_modifiers() -> dict[str, str]:
    return dict(DEFAULT_TELEHEALTH_MODIFIERS)


class FundingProgramme(models.Model):
    """Who pays for a session (Medicaid, a grant, none): a list admins edit.
    A programme that is `billed` gets claims, sent to its payer (the
    recipient a client's consent must name: coaching.ProgrammePayer).
    Its contract says how minutes become units (sessions_log/units.py), the
    daily cap per client and code, the contact modes it pays for, its fee
    per unit, the CMS place-of-service code of each place, the telehealth
    modifier of each remote contact mode, and whether it needs a prior
    authorisation."""

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
    # Place type -> CMS POS code; contact mode -> telehealth modifier.
    place_codes = models.JSONField(default=default_place_codes, blank=True)
    telehealth_modifiers = models.JSONField(default=default_telehealth_modifiers, blank=True)
    # The payer authorises the service first: each episode billed under it
    # carries the prior authorisation number (claim REF*G1).
    requires_prior_auth = models.BooleanField(default=False, db_default=False)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
