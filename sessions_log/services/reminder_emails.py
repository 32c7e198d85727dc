"""What a reminder email says: the arguments for common.emails.build, in
the recipient's language and time zone (the texts' words are in
text_bodies.py)."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext as _

from accounts.models import Role
from common import emails
from sessions_log import hooks
from sessions_log.calendar import calendar, initials
from sessions_log.models import Reminder, ReminderPreference
from sessions_log.services.reminders import CHECKIN_KINDS, Kind, kind_choices, unsubscribe_token

_TEMPLATES = {
    Kind.FIRST_REMINDER: "reminder",
    Kind.SECOND_REMINDER: "reminder",
    Kind.RESCHEDULED: "reminder_moved",
    Kind.CANCELLED: "reminder_cancelled",
    Kind.CHECKIN_REQUEST: "checkin_request",
    Kind.CHECKIN_REMINDER: "checkin_reminder",
}


def reminder_email(reminder: Reminder) -> dict:
    """The arguments for emails.send: what a reminder says, in the
    recipient's language and time zone, and nothing more. Anyone may read it
    over their shoulder: no names but the coach's first name, no program,
    no notes."""
    session, recipient = reminder.session, reminder.recipient
    # The words made here (dates, the kind, the modality) in the reader's
    # language, as the templates are (emails.build).
    with translation.override(emails.recipient_language(recipient.language)):
        context = _reminder_context(reminder)
        attachments = []
        if reminder.kind not in CHECKIN_KINDS:
            cancelled = reminder.kind == Kind.CANCELLED
            attachments.append(
                (
                    "appointment.ics",
                    calendar([session], recipient, cancel=cancelled),
                    "text/calendar",
                )
            )
    return {
        "template": _TEMPLATES[reminder.kind],
        "to": recipient.email,
        "language": recipient.language,
        "context": context,
        "headers": {
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        "attachments": attachments,
    }


def _reminder_context(reminder: Reminder) -> dict:
    session, recipient = reminder.session, reminder.recipient
    local = session.starts_at.astimezone(ZoneInfo(recipient.time_zone))
    if recipient.pk == session.client_id:
        with_whom = session.coach.get_short_name()
        link = reverse(settings.HOME_URL_NAMES[Role.CLIENT])
    else:
        with_whom = initials(session.client.display_name) or _("your client")
        link = reverse("sessions_log:session_detail", args=[session.pk])
    if reminder.kind in CHECKIN_KINDS:
        # A single-use link to the form; none when it was answered meanwhile.
        link = hooks.checkin_email.link(session) or reverse("home")
    # The link turns off the switch this email follows.
    choice = ReminderPreference.choice_for(reminder.kind)
    unsubscribe = settings.SITE_URL + reverse(
        "sessions_log:reminder_unsubscribe", args=[unsubscribe_token(recipient, choice)]
    )
    return {
        # Translators: a date format (Django's `date` letters) for an email subject.
        "when": dateformat.format(local, _("D j M, g:i A")),
        # Translators: a date format (Django's `date` letters) for an email's text.
        "when_long": dateformat.format(local, _("l j F Y, g:i A")),
        "time_zone": recipient.time_zone,
        "modality": session.get_modality_display(),
        "with_whom": with_whom,
        "link": settings.SITE_URL + link,
        "unsubscribe_url": unsubscribe,
        "kind_label": str(dict(kind_choices(recipient.role))[choice]).lower(),
    }
