"""The checks `make cluster-test` runs, one printed line each.

Order: check 3 needs beat (it sweeps the reminders, as in production), so
it runs first. Then beat is stopped and a reminder falls due (check 4);
checks 1, 2, 8, 5, 7 and 6 run while beat is down (none of them needs it);
at six minutes /healthz must answer 503 with the lag, then beat comes back.
"""

import os
import time
import traceback

from scripts.cluster.checks import backup, clients, failover, reminders, scale
from scripts.cluster.cluster import Cluster, elapsed


def run_all(cluster: Cluster) -> int:
    # Check 8 (the busy machine) is a mode, CLUSTER_CHECKS=12345678: it adds
    # 80 s of saturated cores, too long to pay on every `make test`.
    only = set(os.environ.get("CLUSTER_CHECKS", "1234567"))
    lines: dict[str, str] = {}
    failed = 0

    def check(number: str, function, *args) -> None:
        nonlocal failed
        if number not in only:
            return
        started = time.monotonic()
        try:
            ok, line = function(cluster, *args)
        except Exception as error:  # noqa: BLE001 - reported as the check's line, then on
            traceback.print_exc()
            ok, line = False, f"{number}. {function.__name__}: error: {error}"
        line = f"{'PASS' if ok else 'FAIL'} {line} [{elapsed(started)}]"
        failed += not ok
        lines[number] = line
        print(line, flush=True)

    print(f"cluster-test: organisation for the page mix: {scale.prepare(cluster)}", flush=True)
    # Known logins for check 5 (demo_data refuses to run without DEBUG).
    cluster.manage("demo_data", env={"DEBUG": "true"})
    check("3", reminders.losing_a_worker_host)
    outage = reminders.BeatOutage(cluster)
    if "4" in only:
        outage.begin()
        print("cluster-test: beat stopped; checks 1, 2, 8, 5, 7, 6 run meanwhile", flush=True)
    check("1", scale.scale_out)
    check("2", scale.losing_a_web_host)
    check("8", scale.busy_machine)
    check("5", clients.client_addresses)
    check("7", backup.backup_and_restore)
    check("6", failover.replica_and_failover)
    check("4", outage.finish)
    print("\ncluster-test: the checks, one line each:")
    for number in sorted(lines):
        print(lines[number])
    return failed
