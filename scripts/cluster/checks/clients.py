"""Check 5: login rate limits and audit rows keep each client's own
address behind the proxy, and nobody chooses theirs."""

import json

from scripts.cluster import hosts
from scripts.cluster.cluster import PYTHON, Cluster, proxy_url

WRONG = "not-the-password-at-all"  # noqa: S105 - a wrong password on purpose
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - coaching/demo/people.py
FAILED_LOGINS_ALLOWED = 5  # settings.ACCOUNT_RATE_LIMITS["login_failed"]: 5/5m/ip


def _logins(cluster: Cluster, host: str, attempts: list[dict], base: str = "") -> list[dict]:
    done = cluster.network.run(
        host,
        [PYTHON, "-m", "scripts.cluster.login_attempts", base or proxy_url(),
         str(cluster.run / "proxy" / "proxy.crt"), json.dumps(attempts)],
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"login attempts from {host} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def _audit_addresses(cluster: Cluster, action: str) -> dict[str, int]:
    rows = cluster.db_sql(
        "SELECT coalesce(host(ip), '-'), count(*) FROM accounts_auditevent "
        f"WHERE action = '{action}' GROUP BY 1"
    )
    return {ip: int(n) for ip, n in (r.split("|") for r in rows.splitlines() if r)}


def client_addresses(cluster: Cluster) -> tuple[bool, str]:
    one, two, proxy = (hosts.address(h) for h in ("client1", "client2", "proxy"))
    # client1 fails its logins; the sixth is refused. One of its attempts
    # claims to come from client2 in X-Forwarded-For.
    failing = [{"email": "robin@demo.test", "password": WRONG}] * (FAILED_LOGINS_ALLOWED - 1)
    failing.append(
        {"email": "robin@demo.test", "password": WRONG, "headers": {"X-Forwarded-For": two}}
    )
    failing.append({"email": "riley@demo.test", "password": WRONG})
    first = _logins(cluster, "client1", failing)
    locked_one = first[-1]["locked"]
    # client2, behind the same proxy, fails once and then signs in.
    second = _logins(
        cluster,
        "client2",
        [
            {"email": "quinn@demo.test", "password": WRONG},
            {"email": "taylor@demo.test", "password": DEMO_PASSWORD},
        ],
    )
    signed_in = second[1]["status"] == 302 and not any(r["locked"] for r in second)
    # client2 straight to web1, past the proxy, claiming another address:
    # the header is believed from the proxy's address only.
    forged = "203.0.113.9"
    direct = _logins(
        cluster,
        "client2",
        [
            {
                "email": "morgan@demo.test",
                "password": WRONG,
                "headers": {"X-Forwarded-For": forged, "X-Forwarded-Proto": "https"},
            }
        ],
        base=f"http://{hosts.address('web1')}:8000",
    )
    failed = _audit_addresses(cluster, "auth.login_failed")
    logins = _audit_addresses(cluster, "auth.login")
    lockouts = _audit_addresses(cluster, "auth.lockout")
    ok = (
        locked_one
        and signed_in
        and direct[0]["status"] == 200
        and failed == {one: FAILED_LOGINS_ALLOWED, two: 2}
        and logins == {two: 1}
        and lockouts == {one: 1}
    )
    line = (
        f"5. client addresses: client1 locked out after {FAILED_LOGINS_ALLOWED} failed logins "
        f"({'refused' if locked_one else 'NOT refused'} at the 6th); client2 behind the same proxy "
        f"{'signed in' if signed_in else 'was NOT let in'}; audit rows by address: login_failed "
        f"{failed}, lockout {lockouts}, login {logins}; none under the proxy's {proxy}; a forged "
        f"X-Forwarded-For, through the proxy or straight to web1 (answered "
        f"{direct[0]['status']}), was not believed"
    )
    return bool(ok), line
