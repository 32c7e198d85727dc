"""`make run`'s mail sink: an aiosmtpd handler that prints each email readably.

aiosmtpd's own Debugging handler prints the raw message, in which a long
line of the text body is quoted-printable (`=3D` for `=`, `=` at each
soft line break): a link printed that way cannot be followed. This prints
the sender, recipients, subject and the decoded text body, links whole.

    python -m aiosmtpd -n -l 127.0.0.1:$MAIL_SINK_PORT -c scripts.mail_sink.Printing
"""

import email
import email.policy
import sys


def readable(data: bytes, recipients: list[str]) -> str:
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    # Emails go out with CRLF line ends; a terminal (and a copied link) wants plain ones.
    text = (
        body.get_content().replace("\r\n", "\n").rstrip() if body is not None else "(no text part)"
    )
    attached = [
        part.get_filename() or part.get_content_type() for part in message.iter_attachments()
    ]
    lines = [
        "---------- mail sink: an email ----------",
        f"From:    {message['From']}",
        f"To:      {', '.join(recipients)}",
        f"Subject: {message['Subject']}",
        "",
        text,
    ]
    if attached:
        lines += ["", f"(attached: {', '.join(attached)})"]
    lines.append("---------- end of email ----------")
    return "\n".join(lines)


class Printing:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        print(readable(envelope.original_content or envelope.content, envelope.rcpt_tos))
        sys.stdout.flush()
        return "250 Message accepted for delivery"
