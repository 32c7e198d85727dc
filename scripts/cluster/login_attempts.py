"""Log in as a browser would (login page, then the form with its CSRF
token), from whichever host this runs on; for check 5.

    python -m scripts.cluster.login_attempts BASE CAFILE ATTEMPTS_JSON

ATTEMPTS_JSON: [{"email": ..., "password": ..., "headers": {...}}, ...].
Prints one JSON line: per attempt, the status and whether the page said the
login was locked. Cookies are kept by hand: a Secure cookie must also go
back over plain HTTP when a check talks to a web host directly.
"""

import json
import re
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

LOCKED = "Too many failed login attempts"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _open(opener, request):
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def attempt(base: str, context, email: str, password: str, headers: dict) -> dict:
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect)
    login = f"{base}/accounts/login/"
    status, got, page = _open(opener, urllib.request.Request(login, headers=headers))
    cookies = "; ".join(c.split(";", 1)[0] for c in got.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not token:
        return {"status": status, "locked": False, "error": "no login form"}
    body = urllib.parse.urlencode(
        {"login": email, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    # The origin the app believes it is at (https when the request says so).
    origin = base
    if headers.get("X-Forwarded-Proto") == "https":
        origin = "https://" + base.split("://", 1)[1]
    post = urllib.request.Request(
        login,
        data=body,
        headers={
            **headers,
            "Cookie": cookies,
            "Referer": f"{origin}/accounts/login/",
            "Origin": origin,
        },
    )
    status, _, page = _open(opener, post)
    return {"status": status, "locked": LOCKED in page}


def main() -> None:
    base, cafile, attempts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    context = ssl.create_default_context(cafile=cafile)
    results = [
        attempt(base, context, a["email"], a["password"], a.get("headers", {})) for a in attempts
    ]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
