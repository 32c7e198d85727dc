"""Active health checks for nginx's upstreams, through /healthz.

Open-source nginx checks upstreams only passively, and a passive failure
(max_fails) can mark every host failed at once when a busy machine makes
them all slow: nginx then answers 502 to everyone. So nginx keeps no
failure count (max_fails=0: a refused or reset connection just goes to the
next host, `proxy_next_upstream`), and this checker decides which hosts
are out. Twice a second it asks each web host's /healthz, all hosts at
once (one slow host does not delay noticing another):

- a host that refuses or drops the connection, or says its database is
  unavailable, is out at once;
- a host that is only slow (no answer within TIMEOUT) is out after
  SLOW_AFTER slow answers in a row: a saturated machine makes every host
  slow together, and that is not a reason to take any out;
- never every host: if all are failing, none is marked down (nginx then
  tries them all);
- UP_AFTER good answers in a row bring a host back.

A /healthz 503 only for late reminders is a problem of the background
workers, not of this web host, and does not take it out. Marking a host
rewrites the upstream file and reloads nginx (SIGHUP: no connection is
dropped).

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

INTERVAL = 0.5
TIMEOUT = 2.0
SLOW_AFTER = 3  # slow answers in a row before a host that answers nothing is out
UP_AFTER = 2  # good answers in a row before a host comes back

OK, DEAD, SLOW = "ok", "dead", "slow"


def probe(server: str) -> str:
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
    except TimeoutError:
        return SLOW
    except urllib.error.URLError as error:
        return SLOW if isinstance(error.reason, TimeoutError) else DEAD
    except OSError:
        return DEAD  # refused, reset, unreachable
    try:
        return OK if json.loads(body).get("database") == "ok" else DEAD
    except ValueError:
        return DEAD


def render(servers: list[str], down: set[str]) -> str:
    return "".join(f"server {s} max_fails=0{' down' if s in down else ''};\n" for s in servers)


class Checker:
    def __init__(self, servers: list[str]):
        self.servers = servers
        self.down: set[str] = set()
        self.good = dict.fromkeys(servers, 0)
        self.slow = dict.fromkeys(servers, 0)

    def wanted(self, answers: dict[str, str]) -> set[str]:
        """The hosts to mark down after one round of answers."""
        failing = set()
        for server, answer in answers.items():
            self.good[server] = self.good[server] + 1 if answer == OK else 0
            self.slow[server] = self.slow[server] + 1 if answer == SLOW else 0
            if answer == DEAD or self.slow[server] >= SLOW_AFTER:
                failing.add(server)
        wanted = {
            s for s in self.servers if s in failing or (s in self.down and self.good[s] < UP_AFTER)
        }
        if wanted == set(self.servers):
            # All failing: keep the hosts that are up now, so that nginx
            # still has somewhere to send requests.
            wanted = self.down if self.down != set(self.servers) else set()
        return wanted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", type=Path, required=True)
    parser.add_argument("--nginx-pid", type=Path, required=True)
    parser.add_argument("servers", nargs="+")
    args = parser.parse_args()
    checker = Checker(args.servers)
    with ThreadPoolExecutor(max_workers=len(args.servers)) as pool:
        while True:
            started = time.monotonic()
            answers = dict(zip(args.servers, pool.map(probe, args.servers), strict=True))
            wanted = checker.wanted(answers)
            if wanted != checker.down:
                checker.down = wanted
                tmp = args.conf.with_suffix(".tmp")
                tmp.write_text(render(args.servers, wanted))
                tmp.replace(args.conf)
                os.kill(int(args.nginx_pid.read_text()), signal.SIGHUP)
                print(f"{time.strftime('%H:%M:%S')} down: {sorted(wanted) or 'none'} {answers}",
                      flush=True)  # fmt: skip
            time.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))


if __name__ == "__main__":
    sys.exit(main())
