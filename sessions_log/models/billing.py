"""The lists a claim is built from: where a service was given, billing codes
and funding programmes (admins edit them)."""

from django.db import models


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


class FundingProgramme(models.Model):
    """Who pays for a session (Medicaid, a grant, none): a list admins edit.
    A programme that is `billed` gets claims, sent to its payer (the
    recipient a client's consent must name: coaching.ProgrammePayer)."""

    name = models.CharField(max_length=100, unique=True)
    billed = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
