"""iCalendar (RFC 5545) for sessions, safe to show on any screen.

Entries carry no client names (initials at most), no notes, no agenda, no
clinical words and no free-text place (the modality instead). The UID is the
session's and SEQUENCE rises with each change, so calendars update or cancel
the event instead of adding another.
"""

import re
import unicodedata
from datetime import UTC, datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from sessions_log.models import Session

# A line break in any form: CRLF, CR, LF and the other characters Python
# counts as one (VT, FF, FS, GS, RS, NEL, LINE and PARAGRAPH SEPARATOR).
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def _without_controls(text: str) -> str:
    """Every other control character (C0, DEL, C1) as a space: none may
    reach a content line, where it could end the line or confuse a reader."""
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)


def _escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma
    escaped, each line break as the two characters \\n, and no control
    character left, so a name or a location can never start a property
    of its own."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _without_controls(_LINE_BREAK.sub(r"\\n", text))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    # Lines longer than 75 octets are folded with CRLF + space (RFC 5545 3.1).
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def initials(name: str) -> str:
    return "".join(f"{word[0].upper()}." for word in name.split() if word[:1].isalpha())


def summary_for(session: Session, viewer: User) -> str:
    if viewer.role == Role.CLIENT:
        return _("Appointment with %(name)s") % {"name": session.coach.get_short_name()}
    return _("Appointment (%(initials)s)") % {
        "initials": initials(session.client.display_name) or _("client")
    }


def event_lines(session: Session, viewer: User) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{session.uid}@appointments",
        f"SEQUENCE:{session.sequence}",
        f"DTSTAMP:{_stamp(session.updated_at)}",
        f"DTSTART:{_stamp(session.starts_at)}",
        f"DTEND:{_stamp(session.ends_at)}",
        f"SUMMARY:{_escape(summary_for(session, viewer))}",
    ]
    # How to meet, never the place's own words: a calendar app syncs these
    # files to a third-party cloud, and a place may name a clinic or a
    # shelter (issue 29). The app shows the place to who may see it.
    where = str(session.get_modality_display())
    if session.location:
        where = _("%(modality)s (the place is in the app)") % {"modality": where}
    lines.append(f"LOCATION:{_escape(where)}")
    if session.video_url:
        # A URI, not TEXT: nothing to escape, but no space or control either.
        lines.append(f"URL:{''.join(_without_controls(session.video_url).split())}")
    cancelled = session.status == Session.Status.CANCELLED
    lines.append("STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED")
    lines.append("END:VEVENT")
    return lines


def calendar(sessions, viewer: User, *, cancel: bool = False) -> str:
    """The file, its words in the viewer's language (User.language): the
    feed's owner, the person downloading, the reminder's recipient."""
    language = viewer.language if viewer.language in dict(settings.LANGUAGES) else None
    with translation.override(language or settings.LANGUAGE_CODE):
        return _calendar(sessions, viewer, cancel=cancel)


def _calendar(sessions, viewer: User, *, cancel: bool) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//appointments//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancel else 'PUBLISH'}",
    ]
    for session in sessions:
        lines.extend(event_lines(session, viewer))
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
