"""What the app answers by text to a text it gets (STOP, START, HELP, or
anything else), in the owner's language.

Every reply is GSM-7 (Spanish written without á, í, ó or ú, which GSM-7
lacks: a single one turns the whole text into UCS-2, 70 characters a part)
and at most 160 characters with a 30-character sender name and the help
phone (tests/sessions_log/test_text_replies.py checks every one).
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from common import emails

STOPPED = "stopped"
STARTED = "started"
NOT_STARTED = "not_started"
HELP = "help"
NOT_READ = "not_read"
KINDS = (STOPPED, STARTED, NOT_STARTED, HELP, NOT_READ)


def _words(kind: str, sender: str, phone: str) -> str:
    # Each sentence is whole in the catalogue: a translator sees the reply as sent.
    if kind == STOPPED:
        return _("%(sender)s: you will get no more texts. Reply START to get them again.") % {
            "sender": sender
        }
    if kind == STARTED:
        return _("%(sender)s: you will get texts again. Reply STOP to stop.") % {"sender": sender}
    if kind == NOT_STARTED:
        return _("%(sender)s: to get texts again, add your number again in the app.") % {
            "sender": sender
        }
    if kind == HELP and phone:
        return _("%(sender)s: appointment reminders. Help: %(phone)s. Reply STOP to stop.") % {
            "sender": sender,
            "phone": phone,
        }
    if kind == HELP:
        return _("%(sender)s: appointment reminders. Reply STOP to stop.") % {"sender": sender}
    if kind == NOT_READ and phone:
        return _(
            "%(sender)s: texts to this number are not read. "
            "To reach your coach use the app or call %(phone)s."
        ) % {"sender": sender, "phone": phone}
    if kind == NOT_READ:
        return _(
            "%(sender)s: texts to this number are not read. To reach your coach use the app."
        ) % {"sender": sender}
    raise ValueError(f"not a reply: {kind}")


def reply(kind: str, language: str | None) -> str:
    """The reply of `kind` in `language` (the site's default when it is not
    one offered), signed with TEXTS_SENDER_NAME and giving TEXTS_HELP_PHONE."""
    with translation.override(emails.recipient_language(language)):
        return _words(kind, settings.TEXTS_SENDER_NAME, settings.TEXTS_HELP_PHONE.strip())
