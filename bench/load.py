"""How `make bench` drives a page: gunicorn serving a settings module, and
wrk replaying a list of requests, each from another signed-in person (or
about another record), as many people using the site at once would."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 16
THREADS = 2
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
# As docs/scaling.md advises for a web node: twice the cores.
WORKERS = int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 2)))


@dataclass(frozen=True)
class Request:
    path: str
    cookie: str = ""
    body: str = ""


# The request list comes in a file, one request per line (method, path,
# headers, body, tab-separated). Thread t of T takes lines t+1, t+1+T, ...
# so no two connections replay the same person in step. A response is an
# error unless its status is the expected one and its body does not contain
# `refuse` (a page can answer 200 and say it did not save).
LUA = r"""
local file, method, expected = "%(file)s", "%(method)s", %(status)d
local refuse, htmx = "%(refuse)s", %(htmx)s
local lines, threads = {}, {}
-- Globals: setup() gives each thread its `first` and `step`, and done()
-- reads each thread's `bad`.
n, bad = 0, 0
for line in io.lines(file) do
  local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  -- wrk adds Host only to requests it formats after init(); a proxy
  -- (the cluster's nginx) refuses an HTTP/1.1 request without one.
  local headers = {["Host"] = wrk.host, ["Cookie"] = cookie}
  if htmx then headers["HX-Request"] = "true" end
  if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  lines[#lines + 1] = wrk.format(method, path, headers, method == "POST" and body or nil)
end

setup = function(thread)
  thread:set("first", #threads)
  thread:set("step", %(threads)d)
  table.insert(threads, thread)
end

init = function()
  n = first
end

request = function()
  local r = lines[(n %% #lines) + 1]
  n = n + step
  return r
end

response = function(status, headers, body)
  if status ~= expected or (refuse ~= "" and body and body:find(refuse, 1, true)) then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
  for _, thread in ipairs(threads) do errors = errors + thread:get("bad") end
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, "errors": %%d,'
    .. ' "timeouts": %%d, "max": %%f}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors,
    summary.errors.timeout, latency.max / 1000))
end
"""


def drive(
    base: str,
    requests: list[Request],
    *,
    method: str = "GET",
    status: int = 200,
    refuse: str = "",
    htmx: bool = False,
    seconds: int = DURATION,
    timeout: int = 0,
) -> dict:
    """wrk at CONNECTIONS connections for `seconds`, replaying `requests`
    in turn; returns requests/s, latency percentiles (ms) and errors.
    `timeout`: seconds after which wrk gives a request up as an error
    (0: wrk's own 2 s)."""
    listing = ROOT / ".run" / "bench-requests.tsv"
    listing.write_text("".join(f"{r.path}\t{r.cookie}\t{r.body}\n" for r in requests))
    script = ROOT / ".run" / "bench.lua"
    script.write_text(
        LUA
        % {
            "file": listing,
            "method": method,
            "status": status,
            "refuse": refuse,
            "htmx": "true" if htmx else "false",
            "threads": THREADS,
        }
    )
    # wrk comes from `make bench-deps`; the arguments are fixed.
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(script), base]
    if timeout:
        command[1:1] = ["--timeout", f"{timeout}s"]
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if result.returncode != 0:
        sys.exit(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base: str
    process: subprocess.Popen

    def worker_rss_mb(self) -> list[float]:
        """Each gunicorn worker's resident memory now (MiB)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
        return sorted(sizes)


@contextlib.contextmanager
def serve(settings_module: str):
    """gunicorn (the command docs/scaling.md gives a web node) with
    `settings_module`, on a free port, until the block ends."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "gunicorn", "coaching.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(WORKERS), "--no-control-socket", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Ready when every worker has loaded the app and answered: the socket
        # accepts as soon as the master binds, long before that.
        deadline, answered = time.monotonic() + 60, 0
        while answered < 4 * WORKERS:
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn ({settings_module}) did not answer within 60 s")
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).close()  # noqa: S310 - our server
                answered += 1
            except urllib.error.HTTPError:
                answered += 1  # any answer is the app's
            except OSError:
                time.sleep(0.2)
        yield Server(base=base, process=process)
    finally:
        process.terminate()
        process.wait(timeout=30)
