"""Text messages (sessions_log/services/outbox.py, common/sms.py, docs/texts.md),
through Twilio. Without an account SID, a token and a sender (a number or a
messaging service) the channel is off and the client's page says so.
Read by coaching/settings/__init__.py after APP_NAME and SITE_URL."""

from django.core.exceptions import ImproperlyConfigured

from coaching.env import env_int, env_str
from coaching.settings import APP_NAME, SITE_URL

# What `from coaching.settings.texts import *` brings: not the two names above.
__all__ = [
    "TEXTS_HELP_PHONE",
    "TEXTS_LINK_BASE",
    "TEXTS_SENDER_NAME",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_API_URL",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_TIMEOUT_SECONDS",
]

TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID", default="")
# Where Twilio's REST API is: empty for Twilio itself; `make run` and the
# tests point it at a local server that speaks the same API (scripts/sms_sink.py).
TWILIO_API_URL = env_str("TWILIO_API_URL", default="")
# How long a send may take before it counts as Twilio being down (then retried).
TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", default=10, minimum=1)
# What HELP answers by text, and the name every text starts with (carriers
# want a sender named): as neutral as the emails' sender.
TEXTS_SENDER_NAME = env_str("TEXTS_SENDER_NAME", default=APP_NAME)
TEXTS_HELP_PHONE = env_str("TEXTS_HELP_PHONE", default="")
# Where texts' links point: a short host keeps every text within 160 characters.
TEXTS_LINK_BASE = env_str("TEXTS_LINK_BASE", default=SITE_URL).rstrip("/")
if len(TEXTS_LINK_BASE) > 40:
    raise ImproperlyConfigured(
        f"TEXTS_LINK_BASE {TEXTS_LINK_BASE!r} is longer than 40 characters: texts would not fit"
        " one SMS. Set TEXTS_LINK_BASE to a shorter address of the site."
    )
