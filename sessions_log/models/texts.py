"""Text messages: a client's number and consent, each text sent, the
provider's webhooks already handled, and the short links texts carry."""

import hmac
from hashlib import sha256

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.fields import EncryptedTextField
from accounts.models import User

_DIGEST_SALT = b"sessions_log.text_number.v1"


def number_digest(number: str, secret: str | None = None) -> str:
    """A keyed digest of an E.164 number, so an inbound text finds its
    owners without the number being stored in the clear. Keyed with
    SECRET_KEY (or the given fallback): see `number_digests`."""
    key = sha256(_DIGEST_SALT + (secret or settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, number.encode(), sha256).hexdigest()


def number_digests(number: str) -> list[str]:
    """The number's digest under SECRET_KEY and each fallback: rotating the
    key the Django way still finds numbers stored before."""
    return [
        number_digest(number, secret)
        for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    ]


class TextNumber(models.Model):
    """A client's mobile number for texts and their consent to get them.

    Texts go only while the number is `active`: confirmed with a code texted
    to it (verified_at, the consent's time), not stopped (STOP by text, or
    turned off in the app) and not found dead by the provider (failed_at).
    Staff see whether a client gets texts, never the number.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="text_number")
    # E.164 ("+15551234567"), encrypted like everything that identifies a person.
    number = EncryptedTextField(max_length=16)
    number_digest = models.CharField(max_length=64, db_index=True)
    # The code texted to confirm the number: its digest, when it went, how
    # many were sent today (throttle) and how many wrong tries it has had.
    code_digest = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    # The consent: when the code was typed back, the words agreed to as
    # shown, and in which language.
    verified_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.TextField(blank=True)
    consent_language = models.CharField(max_length=8, blank=True)
    # Turned off: by a STOP text ("text") or in the app ("app"); START or the
    # app turns them on again. `stop_confirmed_at`: the one confirmation sent.
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.CharField(max_length=8, blank=True)
    stop_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The provider said the number cannot take texts (common.sms.NUMBER_DEAD).
    failed_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Whose texts are on: the planner's and the badges' question.
            models.Index(
                fields=["user"],
                condition=Q(
                    verified_at__isnull=False, stopped_at__isnull=True, failed_at__isnull=True
                ),
                name="text_number_active_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Text number of {self.user_id} ({self.state})"

    @property
    def active(self) -> bool:
        return self.verified_at is not None and self.stopped_at is None and self.failed_at is None

    @property
    def state(self) -> str:
        """ "failed", "stopped", "on" or "unconfirmed"."""
        if self.failed_at is not None:
            return "failed"
        if self.stopped_at is not None:
            return "stopped"
        if self.verified_at is not None:
            return "on"
        return "unconfirmed"

    @property
    def last_digits(self) -> str:
        return self.number[-4:]


class TextMessage(models.Model):
    """One text handed to the provider, and what the provider last said of it.

    No body is kept: what a text said can be rebuilt from its reminder, and a
    copy here would be one more place that says who meets whom.
    """

    class Purpose(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        CODE = "code", "Confirmation code"

    class Status(models.TextChoices):
        # Twilio's MessageStatus values for an outgoing message.
        ACCEPTED = "accepted", "Accepted"
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"

    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    reminder = models.ForeignKey(
        "sessions_log.Reminder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="texts",
    )
    provider_sid = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["-updated_at"],
                condition=Q(status__in=["undelivered", "failed"]),
                name="text_message_problem_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Text {self.provider_sid} ({self.status})"


class TextWebhook(models.Model):
    """A provider webhook already handled, by a key of what it reported
    ("inbound:<MessageSid>", "status:<MessageSid>:<status>"): the same
    request again is a replay, refused and changing nothing."""

    key = models.CharField(max_length=120, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class TextLink(models.Model):
    """A short link in a text (`/t/<code>`) to a session's check-in: a text
    has no room for the form's own link.

    The form's single-use link is issued when the short link is opened
    (sessions_log.hooks.checkin_email), so the email's and the text's links
    do not undo each other until one of them is used.
    """

    code = models.CharField(max_length=16, unique=True)
    session = models.ForeignKey("sessions_log.Session", on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Short link {self.code}"
