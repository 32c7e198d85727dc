"""The many-viewer page mix of `make bench`, through the cluster's proxy.

Runs on a client host (`ip netns exec coachc-client1 ...`), so wrk's
requests leave from that host. Reuses bench/: the organisation
(bench/organisation.py, at the smaller size BENCH_* gives), the signed-in
sessions and page list (bench/pages.py) and wrk with its Lua script
(bench/load.py). The GET pages only: a POST changes what the next run sees.

    python -m scripts.cluster.loadmix prepare REQUESTS        build, sign in, write the list
    python -m scripts.cluster.loadmix drive REQUESTS SECONDS BASE OUT   wrk; figures to OUT
"""

import json
import secrets
import sys
from pathlib import Path

# bench.pages sets Django up (bench.settings) as it is imported, before the
# organisation's models are.
from bench import load, pages
from bench.organisation import build
from scripts.cluster.cluster import REQUEST_TIMEOUT

GET_PAGES = 6  # bench/pages.py lists its six GET pages first


def prepare(out: Path) -> None:
    build()
    listing = pages._pages(secrets.token_hex(16))[0][:GET_PAGES]
    # Interleaved, so every stretch of the run has every page in it.
    rounds = max(len(page.requests) for page in listing)
    mix = [p.requests[n] for n in range(rounds) for p in listing if n < len(p.requests)]
    out.write_text(json.dumps([[r.path, r.cookie] for r in mix]))
    print(f"{len(mix)} requests over {len(listing)} pages")


def drive(requests: Path, seconds: int, base: str, out: Path) -> None:
    mix = [load.Request(path, cookie) for path, cookie in json.loads(requests.read_text())]
    out.write_text(json.dumps(load.drive(base, mix, seconds=seconds, timeout=REQUEST_TIMEOUT)))


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(Path(sys.argv[2]))
    else:
        drive(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4], Path(sys.argv[5]))
