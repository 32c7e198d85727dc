"""Checks 1 and 2: the bench page mix through the proxy with one web host
and with two; then web1 killed under load."""

import json
import os
import re
import time
from pathlib import Path

from scripts.cluster import hosts, proxy
from scripts.cluster.cluster import PYTHON, REQUEST_TIMEOUT, WEB_HOSTS, Cluster, proxy_url

# A smaller organisation than `make bench`'s, built in seconds (at least 50
# clients per coach: bench/organisation.py spreads sessions over 50).
ORGANISATION = {
    "BENCH_TEAMS": "4",
    "BENCH_COACHES": "20",
    "BENCH_CLIENTS": "1200",
    "BENCH_SESSIONS": "12000",
    "BENCH_NOTES": "10000",
    "BENCH_CHECKINS": "8000",
    "BENCH_YEARS": "1",
    "BENCH_POSTING_CLIENTS": "50",
}
WARMUP, SECONDS = 3, 12
# Long-lived processes only: each wrk run is a process that is gone before
# the second reading, so the load generator's share is not measured here.
CPU_HOSTS = {"web": WEB_HOSTS, "db": ["db", "db-replica"], "proxy": ["proxy"]}
TICKS = os.sysconf("SC_CLK_TCK")


def _requests(cluster: Cluster) -> Path:
    return cluster.run / "page-mix.json"


def prepare(cluster: Cluster) -> str:
    done = cluster.network.run(
        "client1",
        [PYTHON, "-m", "scripts.cluster.loadmix", "prepare", str(_requests(cluster))],
        env={**cluster.app_env(owner=True), **ORGANISATION},
    )
    if done.returncode != 0:
        raise RuntimeError(f"building the organisation failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def _drive_argv(cluster: Cluster, seconds: int, out: Path) -> list[str]:
    return [PYTHON, "-m", "scripts.cluster.loadmix", "drive", str(_requests(cluster)),
            str(seconds), proxy_url(), str(out)]  # fmt: skip


def drive(cluster: Cluster, seconds: int) -> dict:
    out = cluster.run / "load.json"
    done = cluster.network.run("client1", _drive_argv(cluster, seconds, out), env=cluster.app_env())
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed:\n{done.stderr[-2000:]}")
    return json.loads(out.read_text())


def _cpu_seconds(host_names: list[str]) -> float:
    total = 0
    for host in host_names:
        for pid in hosts.pids_in(hosts.namespace(host)):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
            except (OSError, IndexError):
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def _measured(cluster: Cluster) -> tuple[dict, dict, float]:
    """wrk's figures, each kind of host's CPU use (in cores) meanwhile, and
    how busy the whole machine was (other people's work included)."""
    drive(cluster, WARMUP)
    before = {kind: _cpu_seconds(names) for kind, names in CPU_HOSTS.items()}
    busy_before, total_before = _machine_busy()
    started = time.monotonic()
    figures = drive(cluster, SECONDS)
    spent = time.monotonic() - started
    cores = {k: (_cpu_seconds(n) - before[k]) / spent for k, n in CPU_HOSTS.items()}
    busy, total = _machine_busy()
    return figures, cores, (busy - busy_before) / max(total - total_before, 1)


def _wait_marked(cluster: Cluster, host: str, *, down: bool, timeout: float = 20) -> float:
    started = time.monotonic()
    hosts.wait_for(
        lambda: (host in proxy.hosts_marked_down(cluster.run / "proxy", WEB_HOSTS)) == down,
        timeout=timeout,
        interval=0.05,
        what=f"the proxy marking {host} {'down' if down else 'up'}",
    )
    return time.monotonic() - started


def scale_out(cluster: Cluster) -> tuple[bool, str]:
    """1. The page mix with web2 stopped, then with both."""
    cluster.web["web2"].stop()
    _wait_marked(cluster, "web2", down=True)
    one, _, _ = _measured(cluster)
    cluster.start_web("web2")
    cluster.wait_web("web2")
    _wait_marked(cluster, "web2", down=False)
    two, cores, machine = _measured(cluster)
    ratio = two["rps"] / one["rps"] if one["rps"] else 0.0
    count = os.cpu_count() or 0
    busiest = max(cores, key=cores.get)
    use = ", ".join(f"{kind} {cores[kind]:.2f}" for kind in CPU_HOSTS)
    ok = one["errors"] == 0 and two["errors"] == 0 and one["requests"] and two["requests"]
    line = (
        f"1. scale-out: page mix through the proxy: 1 web host {one['rps']:.0f} req/s "
        f"(p95 {one['p95']:.0f} ms), 2 web hosts {two['rps']:.0f} req/s (p95 {two['p95']:.0f} ms), "
        f"ratio {ratio:.2f}; errors {one['errors']}+{two['errors']}. Limit: CPU: every host "
        f"shares this machine's {count} cores, {machine:.0%} busy during the 2-host run (other "
        f"work included); the hosts used {use} cores (most: {busiest})"
    )
    return bool(ok), line


def _proxy_errors(cluster: Cluster, since: int) -> dict:
    """What nginx logged (its error log from byte `since`), by kind: "upstream
    prematurely closed connection while reading upstream" is an answer cut
    after its head was passed on, which no proxy can retry."""
    log = cluster.run / "proxy" / "nginx-error.log"
    kinds: dict = {}
    with log.open("rb") as lines:
        lines.seek(since)
        for line in lines.read().decode(errors="replace").splitlines():
            match = re.search(r"\*\d+ (.*?), client:", line)
            if match:
                kinds[match.group(1)] = kinds.get(match.group(1), 0) + 1
    return kinds


def _lose_web1(cluster: Cluster, tag: str) -> tuple[float, dict, dict]:
    """web1 killed (SIGKILL, master and workers) 3 s into a 10 s run; then
    6 s more on web2 alone; web1 back. How long the checker took to take
    web1 out, and wrk's figures during the switch and after (with, under
    "proxy", what nginx logged meanwhile)."""
    log = cluster.run / "proxy" / "nginx-error.log"
    since = log.stat().st_size if log.exists() else 0
    out = cluster.run / f"load-switch-{tag}.json"
    load = cluster.network.start(
        "client1", f"load-switch-{tag}", _drive_argv(cluster, 10, out), env=cluster.app_env()
    )
    time.sleep(3)  # the load has been running for a while when the host dies
    cluster.web["web1"].kill()
    noticed = _wait_marked(cluster, "web1", down=True)
    load.popen.wait(timeout=60)
    switch = json.loads(out.read_text())
    switch["proxy"] = _proxy_errors(cluster, since) if log.exists() else {}
    after = drive(cluster, 6)
    cluster.start_web("web1")
    cluster.wait_web("web1")
    _wait_marked(cluster, "web1", down=False, timeout=60)
    return noticed, switch, after


def _failed(figures: dict) -> str:
    timeouts = figures.get("timeouts", 0)
    logged = "; ".join(f"{n} x {kind}" for kind, n in figures.get("proxy", {}).items())
    return (
        f"{figures['errors']} of {figures['requests']}"
        + (f" ({timeouts} without an answer in {REQUEST_TIMEOUT} s)" if timeouts else "")
        + (f" (the proxy logged: {logged})" if figures["errors"] and logged else "")
    )


def losing_a_web_host(cluster: Cluster) -> tuple[bool, str]:
    """2. web1 killed under load: no request fails, during or after."""
    noticed, switch, after = _lose_web1(cluster, "quiet")
    ok = switch["errors"] == 0 and after["errors"] == 0 and after["requests"] > 0
    line = (
        f"2. losing a web host: web1 killed under load; the proxy's /healthz checker took it "
        f"out after {noticed:.1f} s; {_failed(switch)} requests failed during the switch, "
        f"{_failed(after)} after"
    )
    return ok, line


def _burners(cluster: Cluster) -> list[hosts.Process]:
    """A CPU-bound process per core on each web host: every host shares
    this machine's cores, so each web host's CPU is saturated."""
    return [
        cluster.network.start(host, f"burn-{host}-{n}", [PYTHON, "-c", "while True: pass"])
        for host in WEB_HOSTS
        for n in range(os.cpu_count() or 1)
    ]


def busy_machine(cluster: Cluster) -> tuple[bool, str]:
    """8. Checks 1 (two hosts) and 2 again while other work saturates
    every core: slow, but no request fails, and losing web1 fails none."""
    burners = _burners(cluster)
    try:
        two, _, machine = _measured(cluster)
        noticed, switch, after = _lose_web1(cluster, "busy")
    finally:
        for burner in burners:
            burner.kill()
    ok = (
        two["errors"] == 0
        and switch["errors"] == 0
        and after["errors"] == 0
        and two["requests"] > 0
        and after["requests"] > 0
    )
    line = (
        f"8. a busy machine: {len(burners)} CPU-bound processes on the web hosts, the machine "
        f"{machine:.0%} busy: page mix {two['rps']:.0f} req/s (p95 {two['p95']:.0f} ms, max "
        f"{two.get('max', 0):.0f} ms), {_failed(two)} failed; web1 killed under load: taken out "
        f"after {noticed:.1f} s, {_failed(switch)} requests failed during the switch, "
        f"{_failed(after)} after"
    )
    return ok, line
