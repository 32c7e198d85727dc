"""Reminders for checks 3 and 4, made through the app's own services on
the cluster's database (run on a host as the tables' owner).

"The clock reaching the due time" is simulated as tests/reliability does:
the rows' due time is moved to now. Everything after that is the cluster's
(beat's sweep, the workers, SMTP).

    python -m scripts.cluster.reminder_drill due N DAYS OUT   N client reminders, of sessions
                                                             DAYS ahead, due now; ids to OUT
    python -m scripts.cluster.reminder_drill plan N DAYS OUT  the same, left as planned
    python -m scripts.cluster.reminder_drill status IDS    {status: count} of those rows
"""

import json
import sys
from datetime import timedelta
from pathlib import Path

import django

django.setup()

from django.core.exceptions import ValidationError  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import CaseloadAssignment, Role  # noqa: E402
from sessions_log.models import Reminder, Session  # noqa: E402
from sessions_log.services.sessions import session_schedule  # noqa: E402


def _client_reminders(sessions: list[Session]):
    return Reminder.objects.filter(
        session__in=sessions, recipient__role=Role.CLIENT, status=Reminder.Status.PENDING
    )


def due(count: int, days: int, out: Path, *, make_due: bool = True) -> None:
    """Sessions `days` ahead (planned through session_schedule, which
    writes their reminder rows), one per relationship, until there are
    `count` client reminders; then those fall due (unless not `make_due`).
    OUT gets their ids; OUT with .uids their sessions' calendar UIDs."""
    sessions: list[Session] = []
    start = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    assignments = CaseloadAssignment.objects.filter(ended_at__isnull=True).select_related(
        "coach", "client"
    )
    slot: dict[int, int] = {}
    for assignment in assignments.order_by("client_id"):
        if _client_reminders(sessions).count() >= count:
            break
        # The next hour of this coach's that is free (the organisation has
        # sessions of its own ahead).
        for _ in range(48):
            n = slot.get(assignment.coach_id, 0)
            slot[assignment.coach_id] = n + 1
            try:
                sessions.append(
                    session_schedule(
                        actor=assignment.coach,
                        client=assignment.client,
                        starts_at=start + timedelta(hours=n),
                        duration=timedelta(minutes=50),
                        modality=Session.Modality.PHONE,
                    )
                )
                break
            except ValidationError:
                continue
    ids = list(_client_reminders(sessions).order_by("pk").values_list("pk", flat=True)[:count])
    if make_due:
        moment = timezone.now() - timedelta(seconds=1)
        Reminder.objects.filter(pk__in=ids).update(due_at=moment, next_attempt_at=moment)
    out.write_text(json.dumps(ids))
    uids = Reminder.objects.filter(pk__in=ids).values_list("session__uid", flat=True)
    out.with_suffix(".uids").write_text(json.dumps(sorted({str(uid) for uid in uids})))
    print(f"{len(ids)} reminders {'due' if make_due else 'planned'}")


def status(ids_file: Path) -> None:
    ids = json.loads(ids_file.read_text())
    rows = Reminder.objects.filter(pk__in=ids).values("status").annotate(n=Count("pk"))
    print(json.dumps({row["status"]: row["n"] for row in rows}))


if __name__ == "__main__":
    if sys.argv[1] in {"due", "plan"}:
        due(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), make_due=sys.argv[1] == "due")
    else:
        status(Path(sys.argv[2]))
