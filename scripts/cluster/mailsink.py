"""The `mail` host: an SMTP server that accepts everything and writes one
JSON line per message for the checks to count: recipients, subject, the
calendar UID of the session and the kind of reminder (together they tell
one reminder's email from another's). Each message takes DELAY seconds, so
a batch of reminders lasts long enough for a worker to be cut off in it.

    python -m scripts.cluster.mailsink --bind ADDR --port PORT --out FILE
"""

import argparse
import asyncio
import email
import email.policy
import json
import re
import time
from pathlib import Path

from aiosmtpd.controller import Controller

DELAY = 0.1


class Sink:
    def __init__(self, out: Path):
        self.out = out

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        await asyncio.sleep(DELAY)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        calendars = [
            part.get_content()
            for part in message.walk()
            if part.get_content_type() == "text/calendar"
        ]
        uid = re.search(r"^UID:(.+?)\r?$", "".join(map(str, calendars)), re.MULTILINE)
        # Which kind of reminder: the footer names the setting it follows.
        text = message.get_body(preferencelist=("plain",))
        kind = re.search(r"because “(.+?)” is on", text.get_content() if text else "")
        line = {
            "to": envelope.rcpt_tos,
            "uid": uid.group(1) if uid else "",
            "kind": kind.group(1) if kind else "",
            "subject": str(message.get("Subject", "")),
            "at": time.time(),
        }
        with self.out.open("a") as out:
            out.write(json.dumps(line) + "\n")
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    controller = Controller(Sink(args.out), hostname=args.bind, port=args.port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
