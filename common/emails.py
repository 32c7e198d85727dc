"""Every email the app sends goes through `send` (one email, its own SMTP
connection) or `send_kept` (one email over this process's kept connection,
for the reminder outbox's batches).

An email is three templates under templates/emails/: `<name>_subject.txt`,
`<name>.txt` and `<name>.html`. Emails say as little as possible: anyone may
read them over the recipient's shoulder.
"""

import contextlib
import email.policy
import functools
import os
import smtplib
import threading
import time
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.headerregistry import HeaderRegistry
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from io import BytesIO

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.timezone import get_current_timezone

# A kept connection idle for longer than this is checked with NOOP before use
# (a server drops idle clients after a while; RFC 5321 asks for >= 5 minutes).
KEPT_IDLE_CHECK_SECONDS = 10.0

# Clients with no login (accounts/services/offline_clients.py) are given an
# address under the reserved top-level domain ".invalid" (RFC 2606): it can
# never be delivered, and nothing is ever sent to it. This is the one check,
# made by `build` (so by `send` and the outbox's `send_kept`) and by the
# allauth adapter (password reset and its other mail).
UNDELIVERABLE_DOMAIN = ".invalid"


def deliverable(address: str) -> bool:
    """Whether mail may be sent to `address`: not one under ".invalid"."""
    return not (address or "").strip().rstrip(".").lower().endswith(UNDELIVERABLE_DOMAIN)


def build(
    *,
    template: str,
    to: str,
    context: dict,
    headers: dict | None = None,
    attachments: list[tuple[str, str, str]] = (),
    language: str | None = None,
) -> EmailMultiAlternatives:
    """Render one email in the recipient's `language` (their User.language,
    an invitation's Invitation.language; the site's default when none or
    one not offered). `attachments` are (filename, content, mimetype)."""
    language = recipient_language(language)
    context = {"site_url": settings.SITE_URL, **context}
    # The task or request that sends it may speak another language than the
    # person who reads it.
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to] if deliverable(to) else [],
        headers={"Content-Language": language, **(headers or {})},
        attachments=list(attachments),
    )
    message.attach_alternative(html, "text/html")
    return message


def recipient_language(language: str | None) -> str:
    """`language` if the site offers it, else the site's default."""
    if language and language in dict(settings.LANGUAGES):
        return language
    return settings.LANGUAGE_CODE


def send(**kwargs) -> None:
    """Render and send one email (see `build`). SMTP errors propagate: the
    caller decides whether to retry. Nothing is sent to an undeliverable
    address (Django sends a message with no recipients to nobody)."""
    build(**kwargs).send()


# ------------------------------------------------ a kept SMTP connection


class _HeaderClasses(HeaderRegistry):
    """The standard registry, except that it makes each header's class once
    (the standard one makes a new class for every header of every message)."""

    @functools.cache  # noqa: B019 - one registry, alive as long as the process
    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    __hash__ = object.__hash__


# What Django's SMTP backend serializes with, its header classes made once.
SMTP_POLICY = email.policy.SMTP.clone(header_factory=_HeaderClasses())
# The plain MIME classes, lines ending in CRLF as SMTP wants them. A header
# stays on one line (an unsubscribe link has no space to fold at; Django's
# serializer turns it into encoded words, which List-Unsubscribe does not allow).
_WIRE = email.policy.compat32.clone(linesep="\r\n", max_line_length=998, mangle_from_=False)
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
_UTF8_7BIT = Charset("utf-8")
_UTF8_7BIT.body_encoding = None
# Headers `as_bytes` writes itself; a message giving its own takes Django's path.
_OWN_HEADERS = {"from", "to", "cc", "reply-to", "date", "message-id", "bcc"}


def _plain_header(value) -> bool:
    return isinstance(value, str) and value.isascii() and "\r" not in value and "\n" not in value


def _simple(message: EmailMessage) -> bool:
    """Whether `message` is of the shape our templates make: ASCII headers on
    one line, text parts and text attachments in UTF-8."""
    return (
        not message.cc
        and not message.reply_to
        and message.encoding in (None, "utf-8")
        and settings.DEFAULT_CHARSET == "utf-8"
        and message.content_subtype in ("plain", "html")
        and isinstance(message.body, str)
        and message.body
        and all(
            _plain_header(value)
            for value in [message.subject, message.from_email, *message.to]
            + [*message.extra_headers, *message.extra_headers.values()]
        )
        and not _OWN_HEADERS & {name.lower() for name in message.extra_headers}
        and all(
            isinstance(content, str) and mimetype.startswith("text/")
            for content, mimetype in getattr(message, "alternatives", [])
        )
        and all(
            isinstance(attachment, tuple)
            and isinstance(attachment[1], str)
            and (attachment[2] or "").startswith("text/")
            and _plain_header(attachment[0])
            for attachment in message.attachments
        )
    )


def _text_part(text: str, subtype: str) -> MIMEText:
    # ASCII text in short lines goes as it is; anything else quoted-printable.
    short = text.isascii() and all(len(line) <= 998 for line in text.splitlines())
    part = MIMEText(text, subtype, _UTF8_7BIT if short else _UTF8_QP, policy=_WIRE)
    del part["MIME-Version"]  # the top of the message says it, once
    return part


def as_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over SMTP. Django's own serializer, built on
    the email package's modern API, spends ~4 ms of CPU on a reminder, mostly
    parsing and refolding its own headers; for messages of the shape our
    templates make (see `_simple`) the plain MIME classes write the same
    structure, headers and content in a quarter of that. Anything else
    takes Django's path."""
    if not _simple(message):
        return message.message(policy=SMTP_POLICY).as_bytes()
    bodies = [_text_part(message.body, message.content_subtype)]
    for content, mimetype in getattr(message, "alternatives", []):
        bodies.append(_text_part(content, mimetype.split("/", 1)[1]))
    if len(bodies) == 1:
        root = bodies[0]
    else:
        root = MIMEMultipart("alternative", policy=_WIRE)
        for part in bodies:
            root.attach(part)
    if message.attachments:
        mixed = MIMEMultipart("mixed", policy=_WIRE)
        del root["MIME-Version"]
        mixed.attach(root)
        for filename, content, mimetype in message.attachments:
            part = _text_part(content, mimetype.split("/", 1)[1])
            part.add_header("Content-Disposition", "attachment", filename=filename)
            mixed.attach(part)
        root = mixed
    del root["MIME-Version"]
    root["MIME-Version"] = "1.0"
    root["Subject"] = message.subject
    root["From"] = message.from_email
    if message.to:
        root["To"] = ", ".join(message.to)
    zone = get_current_timezone() if settings.EMAIL_USE_LOCALTIME else UTC
    root["Date"] = format_datetime(datetime.now(zone))
    root["Message-ID"] = make_msgid(domain=DNS_NAME)
    for name, value in message.extra_headers.items():
        root[name] = value
    out = BytesIO()
    BytesGenerator(out, policy=_WIRE).flatten(root)
    return out.getvalue()


class _Kept(threading.local):
    """This thread's open mailer: one per worker process under Celery's solo
    and prefork pools. `config` is the MAILERS entry it was opened with (a
    change of settings, as tests make, opens another); `pid` catches a fork."""

    backend = None
    config = None
    pid = None
    used_at = 0.0

    def __init__(self):
        self.envelope = {}  # address -> the addr-spec the backend checked it to be


def _envelope(backend, address: str) -> str:
    """`backend.prep_address` (it rejects header injection), remembered: it
    parses the address with the email package's slow header classes."""
    known = _kept.envelope
    if address not in known:
        if len(known) >= 10_000:
            known.clear()
        known[address] = backend.prep_address(address)
    return known[address]


_kept = _Kept()


def connection_lost(error: Exception) -> bool:
    """Whether `error` from a send leaves the SMTP connection unusable. A
    refused sender, recipient or message leaves it open (smtplib resets the
    transaction); 421 is the server closing it; anything else (disconnected,
    reset, timed out, refused) loses it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return True


def kept_close() -> None:
    """QUIT this thread's kept connection, if any (a worker's shutdown)."""
    backend, _kept.backend = _kept.backend, None
    if backend is None:
        return
    if _kept.pid != os.getpid():
        return  # the parent's socket, inherited by a fork: leave it to the parent
    with contextlib.suppress(smtplib.SMTPException, OSError):
        backend.close()  # a broken connection has nothing more to say


def _alive(backend) -> bool:
    """A NOOP round trip on an SMTP connection (other backends have none)."""
    smtp = getattr(backend, "connection", None)
    if smtp is None:
        return True
    try:
        return smtp.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _kept_backend():
    config = getattr(settings, "MAILERS", {}).get("default")
    if _kept.backend is not None and (_kept.config != config or _kept.pid != os.getpid()):
        kept_close()
    if (
        _kept.backend is not None
        and time.monotonic() - _kept.used_at > KEPT_IDLE_CHECK_SECONDS
        and not _alive(_kept.backend)
    ):
        kept_close()
    if _kept.backend is None:
        backend = mailers.default
        backend.open()  # raises when the server cannot be reached
        _kept.backend, _kept.config, _kept.pid = backend, config, os.getpid()
    return _kept.backend


def send_kept(message: EmailMessage) -> None:
    """Send one built email over this thread's kept-open connection, opening
    it if needed (and again after a failure). SMTP errors propagate, as from
    `send`; an error that loses the connection also closes it. A message
    with no deliverable recipient (see `build`) is not sent."""
    if not [address for address in message.recipients() if deliverable(address)]:
        return
    backend = _kept_backend()
    smtp = getattr(backend, "connection", None)
    try:
        if isinstance(smtp, smtplib.SMTP):
            # What the backend's send_messages does, serializing with SMTP_POLICY.
            sender = _envelope(backend, message.from_email)
            recipients = [_envelope(backend, address) for address in message.recipients()]
            smtp.sendmail(sender, recipients, as_bytes(message))
        else:
            backend.send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        if connection_lost(error):
            kept_close()
        raise
    finally:
        _kept.used_at = time.monotonic()
