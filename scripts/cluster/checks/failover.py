"""Check 6: the replica's lag in /healthz, then the failover drill of
docs/deploy.md: stop the primary, promote the replica, point web and
workers at it, restart them."""

import time

from scripts.cluster import hosts
from scripts.cluster.checks import clients
from scripts.cluster.checks.reminders import _drill
from scripts.cluster.cluster import WEB_HOSTS, WORKER_HOSTS, Cluster

# What must survive: every committed row of these tables.
KEPT = {"sessions_log_session": "sessions", "sessions_log_note": "notes",
        "accounts_auditevent": "audit rows"}  # fmt: skip


def _fingerprints(cluster: Cluster, upto: dict[str, int] | None = None) -> dict[str, str]:
    """Per table: how many rows up to an id, and a digest of their ids."""
    found = {}
    for table in KEPT:
        where = f"WHERE id <= {upto[table]}" if upto else ""
        found[table] = cluster.db_sql(
            f"SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || "
            f"md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) FROM {table} {where}"
        )
    return found


def replica_and_failover(cluster: Cluster) -> tuple[bool, str]:
    code, body = cluster.healthz()
    replicas = body.get("replicas") or []
    shown = [r for r in replicas if r.get("state") == "streaming"]
    lag = f"{shown[0]['lag_bytes']} bytes / {shown[0]['lag_seconds']} s" if shown else "NOT SHOWN"
    # Fresh commits just before the primary goes: a login (audit rows) and
    # a session with its reminders, through the app.
    clients._logins(
        cluster, "client2", [{"email": "taylor@demo.test", "password": clients.DEMO_PASSWORD}]
    )
    _drill(cluster, "plan", "1", "5", str(cluster.run / "check6-ids.json"))
    before = _fingerprints(cluster)

    started = time.monotonic()
    cluster.db.stop()  # fast shutdown: the replica receives all committed WAL first
    cluster.replica.promote()
    cluster.primary, cluster.primary_host = cluster.replica, "db-replica"
    for host in WEB_HOSTS:
        cluster.web[host].stop()
        cluster.start_web(host)
    for host in WORKER_HOSTS:
        cluster.workers[host].stop()
        cluster.start_worker(host)
    hosts.wait_for(
        lambda: cluster.healthz()[1].get("database") == "ok", timeout=60, interval=0.2,
        what="the app answering on the promoted replica",
    )  # fmt: skip
    took = time.monotonic() - started

    upto = {t: int(before[t].split(":")[1]) for t in KEPT}
    after = _fingerprints(cluster, upto)
    lost = [t for t in KEPT if after[t] != before[t]]
    in_recovery = cluster.db_sql("SELECT pg_is_in_recovery()")
    # The app writes on its new primary: someone signs in.
    signed_in = (
        clients._logins(
            cluster, "client2", [{"email": "taylor@demo.test", "password": clients.DEMO_PASSWORD}]
        )[0]["status"]
        == 302
    )
    ok = bool(shown) and not lost and in_recovery == "f" and signed_in
    counts = ", ".join(f"{before[t].split(':')[0]} {label}" for t, label in KEPT.items())
    line = (
        f"6. replica: /healthz showed db-replica streaming, lag {lag}; failover drill (stop db, "
        f"promote db-replica, web1/web2/worker1/worker2 restarted on it) took {took:.1f} s to "
        f"the app answering again; committed rows kept ({counts}): "
        f"{'all' if not lost else 'LOST in ' + ', '.join(lost)}; a login after it "
        f"{'was written' if signed_in else 'FAILED'}"
    )
    return ok, line
