"""Active health checks for nginx's upstreams, through /healthz.

Open-source nginx checks upstreams only passively (a failed request marks a
server failed for `fail_timeout`). This runs beside it: once a second it asks
each web host's /healthz; a host that does not answer within a second, or
says its database is unavailable, is marked `down` in the upstream file and
nginx is reloaded (SIGHUP: no connection is dropped); two good answers in a
row bring it back. A /healthz 503 only for late reminders is a problem of
the background workers, not of this web host, and does not take it out.
If every host is failing none is marked down (nginx then tries them all).

    python -m scripts.cluster.upstream_check --conf FILE --nginx-pid FILE ADDR:PORT...
"""

import argparse
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

INTERVAL = 1.0
TIMEOUT = 1.0
UP_AFTER = 2  # good answers in a row before a host comes back


def healthy(server: str) -> bool:
    # `database` is among /healthz's details: they need HEALTHZ_TOKEN.
    request = urllib.request.Request(
        f"http://{server}/healthz",
        headers={"X-Healthz-Token": os.environ.get("HEALTHZ_TOKEN", "")},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - our hosts
            body = response.read()
    except urllib.error.HTTPError as error:
        body = error.read()
    except OSError:
        return False
    try:
        return json.loads(body).get("database") == "ok"
    except ValueError:
        return False


def render(servers: list[str], down: set[str]) -> str:
    return "".join(
        f"server {s} max_fails=1 fail_timeout=5s{' down' if s in down else ''};\n" for s in servers
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", type=Path, required=True)
    parser.add_argument("--nginx-pid", type=Path, required=True)
    parser.add_argument("servers", nargs="+")
    args = parser.parse_args()
    down: set[str] = set()
    good = dict.fromkeys(args.servers, 0)
    while True:
        failing = set()
        for server in args.servers:
            if healthy(server):
                good[server] += 1
            else:
                good[server] = 0
                failing.add(server)
        wanted = {s for s in args.servers if s in failing or (s in down and good[s] < UP_AFTER)}
        if wanted == set(args.servers):
            wanted = set()  # all failing: better to let nginx try them all
        if wanted != down:
            down = wanted
            tmp = args.conf.with_suffix(".tmp")
            tmp.write_text(render(args.servers, down))
            tmp.replace(args.conf)
            os.kill(int(args.nginx_pid.read_text()), signal.SIGHUP)
            print(f"{time.strftime('%H:%M:%S')} down: {sorted(down) or 'none'}", flush=True)
        time.sleep(INTERVAL)


if __name__ == "__main__":
    sys.exit(main())
