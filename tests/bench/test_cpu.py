"""bench/cpu.py: each tier's CPU over a run, from /proc, for `make bench`'s
`web_cpu_ms` and `db_cpu_ms`."""

import subprocess
import sys

import pytest
from django.db import connection

from bench import cpu

# Prints "ready", then burns CPU_SECONDS of its own CPU once it reads a line,
# prints "done" and waits for the line that ends it.
BURNER = """
import sys, time
print("ready", flush=True)
sys.stdin.readline()
start = time.process_time()
while time.process_time() - start < {seconds}:
    pass
print("done", flush=True)
sys.stdin.readline()
"""
# The same, but the CPU is burnt by a child that ends and is waited for.
PARENT = """
import subprocess, sys
print("ready", flush=True)
sys.stdin.readline()
subprocess.run([sys.executable, "-c", {burner!r}], input="\\n\\n", text=True, check=True,
               stdout=subprocess.DEVNULL)
print("done", flush=True)
sys.stdin.readline()
"""
CPU_SECONDS = 0.6


def _run(source: str) -> float:
    """CPU seconds the process running `source` (with its children) spent
    between its "ready" and its "done"."""
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our source
        [sys.executable, "-c", source], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        meter = cpu.Meter(tree=process.pid).start()
        process.stdin.write("\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "done"
        return meter.ms_per(1)["tree"] / 1000
    finally:
        process.stdin.write("\n")
        process.stdin.close()
        process.wait(timeout=10)


def test_a_process_burning_known_cpu_is_measured_at_that_cpu():
    spent = _run(BURNER.format(seconds=CPU_SECONDS))
    assert spent == pytest.approx(CPU_SECONDS, abs=0.1)


def test_a_child_that_ended_during_the_run_still_counts_through_its_parent():
    """A gunicorn worker or a PostgreSQL backend may end during a run: its
    CPU must not vanish with it."""
    spent = _run(PARENT.format(burner=BURNER.format(seconds=CPU_SECONDS)))
    # The child's interpreter start-up counts too (a few hundredths).
    assert spent == pytest.approx(CPU_SECONDS, abs=0.15)


def test_the_cpu_is_divided_by_the_requests_served():
    meter = cpu.Meter(me=1)
    meter.before = {"me": cpu.cpu_seconds(1) - 2.0}  # 2 s more than now
    assert meter.ms_per(1000)["me"] == pytest.approx(2.0, abs=0.05)


@pytest.mark.django_db
def test_the_database_tier_is_the_postmaster_and_its_server_processes():
    postmaster = cpu.postmaster(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    assert backend in cpu.tree(postmaster)
    meter = cpu.Meter(db=postmaster).start()
    with connection.cursor() as cursor:
        # About half a second of the server's CPU, in this connection's backend.
        cursor.execute("SELECT count(*) FROM generate_series(1, 5000000) AS n WHERE n % 7 = 0")
    assert meter.ms_per(1)["db"] > 100
