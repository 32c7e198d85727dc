"""Per-process CPU accounting for `make bench`: how much CPU a tier (the
gunicorn master and its workers, the PostgreSQL postmaster and its server
processes) spent over a run, read from /proc/<pid>/stat.

A tree's CPU is, over its live processes, their own user and system time
plus what they have collected of their children that ended (cutime and
cstime): a worker or a backend that ends during the run still counts, once,
through its parent. The difference of two readings is the CPU the tree
spent between them."""

import contextlib
import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found.extend(int(c) for c in (task / "children").read_text().split())
    return found


def tree(pid: int) -> list[int]:
    """`pid` and every live descendant."""
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        pending.extend(_children(current))
    return pids


def _ticks(pid: int) -> int:
    """utime + stime + cutime + cstime of `pid` (0 once it has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # The command name (field 2) may hold spaces: split after its ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    # Fields 14-17 of proc(5); fields[0] here is field 3.
    return sum(int(value) for value in fields[11:15])


def cpu_seconds(root: int) -> float:
    """The CPU seconds `root`'s tree has spent so far."""
    return sum(_ticks(pid) for pid in tree(root)) / TICKS


def parent(pid: int) -> int:
    """The parent process of `pid` (a PostgreSQL backend's: the postmaster)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    raise LookupError(f"process {pid} has no parent line")


def postmaster(connection) -> int:
    """The PostgreSQL postmaster behind a Django connection (its backend's parent)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    return parent(backend)


class Meter:
    """CPU of several trees over a span: `start()`, the run, then `ms_per(n)`
    gives each tree's CPU milliseconds per `n` requests."""

    def __init__(self, **roots: int):
        self.roots = roots
        self.before: dict[str, float] = {}

    def start(self) -> "Meter":
        self.before = {name: cpu_seconds(pid) for name, pid in self.roots.items()}
        return self

    def ms_per(self, requests: int) -> dict[str, float]:
        spent = {name: cpu_seconds(pid) - self.before[name] for name, pid in self.roots.items()}
        return {name: seconds * 1000 / max(requests, 1) for name, seconds in spent.items()}
