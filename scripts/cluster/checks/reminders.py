"""Checks 3 and 4: a worker host cut off mid-run, and beat stopped."""

import json
import time
from collections import Counter

from scripts.cluster import hosts
from scripts.cluster.cluster import LEASE_SECONDS, PYTHON, Cluster

REMINDERS = 200
BATCH = 25  # sessions_log's send batch: the documented duplicate window per dying batch
BEAT_DOWN_SECONDS = 6 * 60


def _drill(cluster: Cluster, *args: str) -> str:
    done = cluster.network.run(
        "web1", [PYTHON, "-m", "scripts.cluster.reminder_drill", *args],
        env=cluster.app_env(owner=True),
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"reminder_drill {args[0]} failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def _statuses(cluster: Cluster, ids_file) -> dict:
    return json.loads(_drill(cluster, "status", str(ids_file)))


def _emails(cluster: Cluster, since: float, ids_file=None) -> list[tuple]:
    """(recipient, session's calendar UID, kind) of each email the sink
    accepted since `since`: one reminder row's email. With `ids_file`, only
    those of the drill's sessions: the seeded organisation's own reminders
    fall due at some hours of the day, and they are not the drill's."""
    path = cluster.run / "mail.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line]
    emails = [(",".join(m["to"]), m["uid"], m["kind"]) for m in lines if m["at"] >= since]
    if ids_file is None:
        return emails
    uids = set(json.loads(ids_file.with_suffix(".uids").read_text()))
    # The calendar UID is "<session uid>@appointments" (sessions_log/calendar.py).
    return [e for e in emails if e[1].split("@")[0] in uids]


def losing_a_worker_host(cluster: Cluster) -> tuple[bool, str]:
    """3. 200 reminders due; worker1's link cut while it sends."""
    ids = cluster.run / "check3-ids.json"
    started = time.time()
    _drill(cluster, "due", str(REMINDERS), "3", str(ids))
    # Beat sweeps within 5 s; cut worker1 once sending is under way.
    hosts.wait_for(lambda: len(_emails(cluster, started, ids)) >= 30, timeout=60, interval=0.05,
                   what="the first emails")  # fmt: skip
    hosts.link("worker1", up=False)
    cut_at = time.monotonic()
    in_flight = _statuses(cluster, ids).get("sending", 0)
    hosts.wait_for(
        lambda: _statuses(cluster, ids).get("sent", 0) == REMINDERS,
        timeout=LEASE_SECONDS + 90, interval=1, what="every reminder sent",
    )  # fmt: skip
    recovered = time.monotonic() - cut_at
    emails = Counter(_emails(cluster, started, ids))
    statuses = _statuses(cluster, ids)
    duplicates = sum(emails.values()) - len(emails)
    lost = REMINDERS - statuses.get("sent", 0) + max(0, REMINDERS - len(emails))
    # worker1 is dead to the cluster: end it, reconnect the host, start it afresh.
    cluster.workers["worker1"].kill()
    hosts.link("worker1", up=True)
    cluster.start_worker("worker1")
    ok = lost == 0 and len(emails) == REMINDERS and duplicates <= BATCH
    line = (
        f"3. losing a worker host: {REMINDERS} reminders due; worker1's link cut with "
        f"{in_flight} rows being sent by the two workers; all delivered {recovered:.0f} s "
        f"later (lease {LEASE_SECONDS} s); {len(emails)} distinct emails, lost {lost}, duplicates "
        f"{duplicates} (documented window: at most {BATCH} per batch a worker dies in)"
    )
    return ok, line


class BeatOutage:
    """4. Started before the other checks, finished after them."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.ids = cluster.run / "check4-ids.json"

    def begin(self) -> None:
        self.cluster.beat.stop()
        self.stopped = time.monotonic()
        self.since = time.time()
        # A reminder falls due just as beat stops: nothing sweeps it now.
        _drill(self.cluster, "due", "1", "4", str(self.ids))

    def finish(self, cluster: Cluster) -> tuple[bool, str]:
        waited = BEAT_DOWN_SECONDS - (time.monotonic() - self.stopped)
        if waited > 0:
            time.sleep(waited)
        down_for = time.monotonic() - self.stopped
        code, body = cluster.healthz()
        late = body.get("oldest_due_reminder_seconds_late")
        cluster.start_beat()
        back = time.monotonic()
        hosts.wait_for(lambda: cluster.healthz()[0] == 200, timeout=60, interval=0.5,
                       what="/healthz 200 again")  # fmt: skip
        cleared = time.monotonic() - back
        hosts.wait_for(lambda: _statuses(cluster, self.ids).get("sent") == 1, timeout=30,
                       what="the late reminder sent")  # fmt: skip
        time.sleep(2 * 5)  # two more sweeps: a duplicate would show now
        emails = Counter(_emails(cluster, self.since, self.ids))
        _, after = cluster.healthz()
        ok = (
            code == 503
            and body.get("reminders") == "late"
            and late is not None
            and late >= 300
            and after.get("reminders") == "ok"
            and len(emails) == 1
            and sum(emails.values()) == 1
        )
        line = (
            f"4. losing beat: beat stopped {down_for / 60:.1f} min: /healthz through the proxy "
            f"answered {code} with reminders {body.get('reminders')!r}, oldest "
            f"{late} s late; beat back: /healthz 200 after {cleared:.0f} s, lag "
            f"{after.get('oldest_due_reminder_seconds_late')} s, the late reminder sent "
            f"{sum(emails.values())} time(s)"
        )
        return ok, line
