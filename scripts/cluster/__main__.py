"""`make cluster` and `make cluster-test` (see scripts/cluster/cluster.py for
the hosts, docs/deploy.md for what they stand for).

    python -m scripts.cluster up      bring the hosts up with demo data; Ctrl-C takes them down
    python -m scripts.cluster test    bring them up, run the checks, take them down
"""

import fcntl
import signal
import sys
import time

from scripts.cluster import cluster, hosts
from scripts.cluster.checks import run_all

LOCK = "/tmp/coaching-cluster.lock"
TIME_LIMIT = 570  # seconds: the whole of `make cluster-test` stays under 10 minutes


def _lock():
    handle = open(LOCK, "w")  # noqa: SIM115 - held for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(
            "cluster: another `make cluster` or `make cluster-test` is running on this machine"
        )
    return handle


def _on_signal(signum, frame):
    raise KeyboardInterrupt


def _down(the_cluster) -> None:
    """Take everything down; a second Ctrl-C must not cut that short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    the_cluster.down()


def up() -> int:
    the_cluster = cluster.Cluster(cluster.fresh_run_dir())
    started = time.monotonic()
    try:
        print("cluster: bringing the hosts up")
        the_cluster.up()
        print(the_cluster.manage("demo_data", env={"DEBUG": "true"}), end="")
        print(
            f"\ncluster: up in {cluster.elapsed(started)}: {cluster.proxy_url()}/ "
            f"(certificate: {the_cluster.run / 'proxy' / 'proxy.crt'}; "
            f"logs: {the_cluster.run / 'logs'})"
        )
        print("cluster: Ctrl-C takes it all down")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\ncluster: taking it down")
    finally:
        _down(the_cluster)
    return 0


def test() -> int:
    the_cluster = cluster.Cluster(cluster.fresh_run_dir())
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _on_signal)
    signal.alarm(TIME_LIMIT)
    try:
        print("cluster-test: bringing the hosts up")
        the_cluster.up()
        print(f"cluster-test: up in {cluster.elapsed(started)}")
        failed = run_all(the_cluster)
    except KeyboardInterrupt:
        print(
            f"cluster-test: FAILED: stopped after {cluster.elapsed(started)} (time limit or Ctrl-C)"
        )
        failed = 1
    finally:
        signal.alarm(0)
        _down(the_cluster)
    print(
        f"cluster-test: {'FAILED' if failed else 'passed'} in {cluster.elapsed(started)} "
        "(hosts, bridge and veths removed)"
    )
    return 1 if failed else 0


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in {"up", "test"}:
        sys.exit(__doc__)
    why = hosts.unsupported_here()
    if not why:
        _held = _lock()  # before probing: the probe namespace has a fixed name
        why = hosts.netns_refused()
    if why:
        print(f"cluster: skipped: this machine cannot run the test hosts ({why}).")
        return 0
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    return up() if command == "up" else test()


if __name__ == "__main__":
    sys.exit(main())
