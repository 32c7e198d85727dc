"""Test hosts: Linux network namespaces on one bridge, and the processes
started in them (tracked by PID, stopped by PID).

Every namespace has one veth into the bridge and no default route, so a
process in it can reach the other test hosts and nothing else. The root
namespace gets the bridge's own address, for the orchestrator and for a
browser on this machine (`make cluster`).
"""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "coachc-"  # every namespace, veth and the bridge carry it (leftovers are found by it)
BRIDGE = f"{PREFIX}br"
SUBNET = "10.231.20"
BRIDGE_ADDRESS = f"{SUBNET}.1"

# host -> last octet of its address
ADDRESSES = {
    "proxy": 5,
    "db": 10,
    "db-replica": 11,
    "redis": 12,
    "mail": 13,
    "web1": 21,
    "web2": 22,
    "worker1": 31,
    "worker2": 32,
    "beat": 40,
    "restore": 50,
    "client1": 101,
    "client2": 102,
}


def address(host: str) -> str:
    return f"{SUBNET}.{ADDRESSES[host]}"


def namespace(host: str) -> str:
    return PREFIX + host


def _veth(host: str) -> str:
    return (PREFIX + host.replace("db-", ""))[:15]


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def unsupported_here() -> str | None:
    """Why this machine cannot run the cluster, or None when it may."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if not shutil.which("ip"):
        return "needs iproute2's `ip`"
    return None


def netns_refused() -> str | None:
    """Why `ip netns` does not work here (a container without the right), or None."""
    probe = f"{PREFIX}probe"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"`ip netns add` refused: {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


def pids_in(ns: str) -> list[int]:
    found = _ip("netns", "pids", ns, check=False)
    return [int(p) for p in found.stdout.split()] if found.returncode == 0 else []


def _stop_pids(pids: list[int], grace: float = 10.0) -> None:
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def remove_all() -> None:
    """Stop what runs in our namespaces (by PID), delete them, the veths and
    the bridge: after this run, or what an interrupted earlier run left."""
    listed = _ip("netns", "list", check=False).stdout.split("\n")
    ours = [line.split()[0] for line in listed if line.startswith(PREFIX)]
    for ns in ours:
        _stop_pids(pids_in(ns), grace=5.0)
    for ns in ours:
        _ip("netns", "del", ns, check=False)
    links = _ip("-o", "link", "show", check=False).stdout.splitlines()
    for line in links:
        name = line.split(":", 2)[1].strip().split("@")[0]
        if name.startswith(PREFIX):
            _ip("link", "del", name, check=False)


def create(hosts: list[str]) -> None:
    _ip("link", "add", BRIDGE, "type", "bridge")
    _ip("addr", "add", f"{BRIDGE_ADDRESS}/24", "dev", BRIDGE)
    _ip("link", "set", BRIDGE, "up")
    for host in hosts:
        add_host(host)


def add_host(host: str) -> None:
    ns, veth = namespace(host), _veth(host)
    _ip("netns", "add", ns)
    _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
    _ip("link", "set", veth, "master", BRIDGE, "up")
    _ip("-n", ns, "addr", "add", f"{address(host)}/24", "dev", "eth0")
    _ip("-n", ns, "link", "set", "lo", "up")
    _ip("-n", ns, "link", "set", "eth0", "up")


def link(host: str, *, up: bool) -> None:
    """Cut (or restore) a host's only network link, as a pulled cable would."""
    _ip("link", "set", _veth(host), "up" if up else "down")


@dataclass
class Process:
    host: str
    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace: float = 15.0) -> None:
        if not self.running():
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL to the process and its children at once: a host dying."""
        pids = [self.pid, *self.children()]
        for pid in pids:
            _signal(pid, signal.SIGKILL)
        self.popen.wait(timeout=10)


@dataclass
class Hosts:
    """The processes this run started, stopped last-started first."""

    logs: Path
    env: dict = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    def run(self, host: str, argv: list[str], *, env: dict | None = None, **kwargs):
        """Run a command to completion in `host`."""
        return subprocess.run(
            ["ip", "netns", "exec", namespace(host), *argv],
            env={**os.environ, **self.env, **(env or {})},
            capture_output=True,
            text=True,
            **kwargs,
        )

    def start(self, host: str, name: str, argv: list[str], *, env: dict | None = None) -> Process:
        log = self.logs / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                ["ip", "netns", "exec", namespace(host), *argv],
                env={**os.environ, **self.env, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches only the orchestrator: it stops them
            )
        process = Process(host=host, name=name, popen=popen, log=log)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


def wait_for(condition, *, timeout: float, interval: float = 0.2, what: str = "it"):
    """Poll `condition` until it returns something true; that value, or an error."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(interval)
