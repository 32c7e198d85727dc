"""Signed-in sessions for the scanners: one per demo person given, written
as a wapiti cookie file (JSON) and printed as a Cookie header for sqlmap.

Usage: python scripts/scan_sessions.py HOST OUT_DIR email [email ...]
"""

import json
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")
django.setup()

from django.conf import settings  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.signin import session_key  # noqa: E402


def main() -> None:
    host, out_dir, *emails = sys.argv[1:]
    for email in emails:
        key = session_key(User.objects.get(email=email))
        name = settings.SESSION_COOKIE_NAME
        cookie = {"value": key, "version": 0, "expires": None, "secure": False, "port": None}
        jar = {host: {"/": {name: cookie}}}
        stem = email.split("@")[0]
        Path(out_dir, f"{stem}.cookies.json").write_text(json.dumps(jar))
        Path(out_dir, f"{stem}.cookie").write_text(f"{name}={key}")


if __name__ == "__main__":
    main()
