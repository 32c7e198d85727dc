"""What a reminder says by text: the time, the coach's first name and a
short link, in the recipient's language, within one 160-character SMS.

One SMS holds 160 characters of the GSM 03.38 alphabet (GSM-7); a single
character outside it (Spanish á, í, ó, ú among them) turns the whole text
into UCS-2 with room for 70, so a Spanish reminder would go as three parts.
So every text is written in GSM-7: what the wording or a name brings from
outside it is replaced by its nearest letter (ó -> o), and what still does
not fit is shortened, the coach's name first, never the link.
"""

import secrets
import string
import unicodedata
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _

from common import emails
from sessions_log import hooks
from sessions_log.models import Reminder, TextLink

Kind = Reminder.Kind

MAX_SEPTETS = 160
# The GSM 03.38 default alphabet, and its extension table (each of those
# takes two septets: an escape and the character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
# Longest a sender's name or a coach's first name may be in a text.
SENDER_MAX, NAME_MAX = 20, 15
# A short link's code: 10 of 62 characters, about 59 bits, never guessed.
LINK_CODE_LENGTH = 10
_LINK_ALPHABET = string.ascii_letters + string.digits


def septets(text: str) -> int:
    """The text's length in GSM-7 septets (what the 160 counts)."""
    return sum(2 if char in GSM7_EXTENDED else 1 for char in text)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text)


def gsm7(text: str) -> str:
    """The text in the GSM-7 alphabet: each character outside it becomes its
    letter without the accent (í -> i), or "?" when it has none."""
    out = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENDED:
            out.append(char)
            continue
        bare = "".join(
            part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
        )
        out.append(bare if bare and is_gsm7(bare) else "?")
    return "".join(out)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "."


def _wording(kind: str) -> str:
    # Translators: a text message (SMS). Keep it short: with the sender's
    # name, a first name, a date and a link it must fit 160 characters.
    # Avoid á, í, ó, ú (they would make the text three messages long); é, ñ,
    # ¿ and ¡ are fine.
    if kind in (Kind.FIRST_REMINDER, Kind.SECOND_REMINDER):
        return _("%(sender)s: appointment with %(coach)s %(when)s. %(link)s Reply STOP to end.")
    if kind == Kind.RESCHEDULED:
        return _(
            "%(sender)s: your appointment with %(coach)s is now %(when)s. %(link)s"
            " Reply STOP to end."
        )
    if kind == Kind.CANCELLED:
        return _(
            "%(sender)s: your appointment with %(coach)s on %(when)s is cancelled. %(link)s"
            " Reply STOP to end."
        )
    if kind == Kind.CHECKIN_REQUEST:
        return _(
            "%(sender)s: how was your appointment with %(coach)s? Tell us in a minute: %(link)s"
            " Reply STOP to end."
        )
    return _(
        "%(sender)s: a reminder to tell us how your appointment with %(coach)s went: %(link)s"
        " Reply STOP to end."
    )


def text_body(*, kind: str, language: str, coach_name: str, when, time_zone: str, link: str) -> str:
    """One text, whole: at most MAX_SEPTETS GSM-7 septets. The coach's name
    gives way first, down to its initial; ValueError if even then it does
    not fit (a TEXTS_LINK_BASE far too long: settings refuse those)."""
    with translation.override(emails.recipient_language(language)):
        local = when.astimezone(ZoneInfo(time_zone))
        # Translators: a date format (Django's `date` letters) for a text message.
        moment = dateformat.format(local, _("D j M, g:i A"))
        wording = _wording(kind)
    sender = gsm7(_shorten(settings.TEXTS_SENDER_NAME, SENDER_MAX))
    name = gsm7(_shorten(coach_name.split()[0] if coach_name.split() else "", NAME_MAX))
    for coach in (name, name[:8], name[:1]):
        body = gsm7(wording % {"sender": sender, "coach": coach, "when": moment, "link": link})
        if septets(body) <= MAX_SEPTETS:
            return body
    raise ValueError(f"a {kind} text does not fit {MAX_SEPTETS} characters")


def text_link_for_checkin(*, session, expires_at) -> str:
    """A short link that opens the session's check-in (issued when opened)."""
    code = "".join(secrets.choice(_LINK_ALPHABET) for _ in range(LINK_CODE_LENGTH))
    TextLink.objects.create(code=code, session=session, expires_at=expires_at)
    return f"{settings.TEXTS_LINK_BASE}/t/{code}"


def reminder_text(reminder: Reminder) -> str:
    """The text a reminder row sends, its short link made if it needs one."""
    session, recipient = reminder.session, reminder.recipient
    if reminder.kind in (Kind.CHECKIN_REQUEST, Kind.CHECKIN_REMINDER):
        link = text_link_for_checkin(session=session, expires_at=reminder.deadline)
    else:
        # The app's front door: it opens the client's own home once signed in.
        link = f"{settings.TEXTS_LINK_BASE}/"
    return text_body(
        kind=reminder.kind,
        language=recipient.language,
        coach_name=session.coach.get_short_name(),
        when=session.starts_at,
        time_zone=recipient.time_zone,
        link=link,
    )


def text_link_follow(*, code: str) -> str | None:
    """Where a short link leads now, or None when there is no such link or
    it has expired: the check-in's form, by a single-use link issued here (a
    write: it replaces the one an email carried), or home once the check-in
    is answered."""
    link = (
        TextLink.objects.select_related("session")
        .filter(code=code, expires_at__gt=timezone.now())
        .first()
    )
    if link is None:
        return None
    return hooks.checkin_email.link(link.session) or reverse("home")
