"""Episodes of care and outreach: the client's work with the organisation in
episodes (intake, active, discharge; a readmission opens a new one and keeps
the history), and the coach's attempts to reach them.

Sessions, plans and check-ins belong to the episode they happened in, found
by date (the episode whose intake..discharge holds the day, in the client's
time zone: coaching/selectors/episodes.py), not by a foreign key: the
sessions app below this one knows nothing of episodes. Episodes of a client
never overlap (the service opens one only after the last discharge), so a
day belongs to at most one.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.fields import EncryptedTextField
from accounts.models import User

# The sources migration 0010 seeds, for the catalogue: a name is stored in
# English and translated where a client reads it (ReferralSource.label).
SEEDED_SOURCE_NAMES = [
    gettext_noop("Self"),
    gettext_noop("Family or friend"),
    gettext_noop("Court or probation"),
    gettext_noop("Hospital or emergency room"),
    gettext_noop("Treatment program"),
    gettext_noop("Other"),
]


class ReferralSource(models.Model):
    """Where a client came from (self, family, court, hospital, ...): a list
    admins edit."""

    name = models.CharField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return gettext(self.name)


class DischargeReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    MOVED = "moved", _("Moved away")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    DECLINED = "declined", _("Declined further support")
    TRANSFERRED = "transferred", _("Transferred to another service")
    OTHER = "other", _("Other")


class Episode(models.Model):
    """One episode of care: open from its intake until its discharge."""

    DischargeReason = DischargeReason

    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="episodes")
    intake_date = models.DateField()
    referral_source = models.ForeignKey(ReferralSource, on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    discharge_date = models.DateField(null=True, blank=True)
    discharge_reason = models.CharField(max_length=20, choices=DischargeReason.choices, blank=True)
    discharge_summary = EncryptedTextField(blank=True, max_length=2000)
    discharged_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discharged_at = models.DateTimeField(null=True, blank=True)
    # What a claim for the episode's services states (837P HI and REF*G1):
    # the ICD-10-CM diagnosis (e.g. F11.20) and the payer's prior
    # authorisation number where the programme needs one. A diagnosis of
    # substance use is among the most sensitive facts here: encrypted.
    diagnosis_code = EncryptedTextField(max_length=8, blank=True)
    prior_authorization = EncryptedTextField(max_length=50, blank=True)

    class Meta:
        ordering = ["client", "-intake_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(discharge_date__isnull=True),
                name="episode_one_open_per_client",
            ),
            models.CheckConstraint(
                condition=Q(discharge_date__isnull=True) | Q(discharge_date__gte=F("intake_date")),
                name="episode_discharge_not_before_intake",
            ),
            models.CheckConstraint(
                condition=Q(discharge_date__isnull=True, discharge_reason="")
                | Q(
                    discharge_date__isnull=False,
                    discharge_reason__in=[choice.value for choice in DischargeReason],
                ),
                name="episode_discharge_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "intake_date"], name="episode_client_intake_idx"),
            # The figures count admissions and discharges by month.
            models.Index(fields=["intake_date"], name="episode_intake_idx"),
            models.Index(
                fields=["discharge_date"],
                condition=Q(discharge_date__isnull=False),
                name="episode_discharge_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk} of {self.client_id}"

    @property
    def is_open(self) -> bool:
        return self.discharge_date is None


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    TEXT = "text", "Text"
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"
    LETTER = "letter", "Letter"


class ContactPreferences(models.Model):
    """How a client wants to be reached, set with them: shown to a coach
    before they reach out. Nothing is assumed okay until it is set."""

    client = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="contact_preferences"
    )
    preferred_channels = ArrayField(
        models.CharField(max_length=20, choices=Channel.choices), default=list, blank=True
    )
    ok_to_text = models.BooleanField(default=False)
    ok_to_voicemail = models.BooleanField(default=False)
    ok_to_email = models.BooleanField(default=False)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Contact preferences of {self.client_id}"


class Outcome(models.TextChoices):
    REACHED = "reached", "Reached"
    LEFT_MESSAGE = "left_message", "Left a message"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class OutreachAttempt(models.Model):
    """A coach's attempt to reach a client, logged in two taps."""

    Channel = Channel

    Outcome = Outcome

    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="outreach_attempts")
    coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=[choice.value for choice in Channel]),
                name="outreach_channel_in_list",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=[choice.value for choice in Outcome]),
                name="outreach_outcome_in_list",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "at"], name="outreach_client_at_idx"),
            # The newest successful contact of each client.
            models.Index(
                fields=["client", "at"],
                condition=Q(outcome="reached"),
                name="outreach_reached_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"

    @property
    def successful(self) -> bool:
        return self.outcome == self.Outcome.REACHED
