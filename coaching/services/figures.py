"""The figures kept for pages that sum history (coaching/models/figures.py):
the updates the services make in their own transaction, and the nightly
check that compares, repairs and tells admins (with the statements that
recompute each figure table from history, coaching/services/
figures_recompute.py).

Each update is one statement, run by the service that changed the history,
right after its write: a session closed or logged (`session_figures_count`),
a check-in (`CHECKIN_COUNT_PART_SQL` and `CHECKIN_SCORES_PART_SQL`, parts
of the check-in's own statement), an attempt to reach a client (`contact_figures_count`), a
plan agreed (`plan_figures_agreed`), a relationship started
(`relationship_figures_start`, from the CaseloadAssignment's post_save:
accounts, below us, creates them too) or ended (`relationship_figures_end`,
by the reassignment, the one service that ends one).
Increments are upserts, so two requests never lose each other's count.
Scheduling, moving, cancelling, signing, flags and discharges change no
figure here: only scheduled sessions move or get cancelled, and they count
once closed. The coaches' note counts (to write, waiting for a
co-signature) are sessions_log's, kept where it sets a note's state
(sessions_log/services/note_counts.py); the nightly check and the repairs
here cover them with these tables.

Days are the organisation's calendar (settings.TIME_ZONE), as the pages'
`starts_at__date` reads them; a change of TIME_ZONE is repaired by the next
nightly check."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from accounts.models import Role, User
from coaching.services.figures_recompute import (
    COACH_DAY_DRIFT_SQL,
    COACH_DAY_REPAIR_SQL,
    RELATIONSHIP_DRIFT_SQL,
    RELATIONSHIP_REPAIR_SQL,
    SOME_COACH_DAYS_REPAIR_SQL,
    START_SQL,
)
from common import emails
from common.statements import statement_run, statement_value
from sessions_log.services.note_counts import COUNTS, note_counts_drift, note_counts_repair

COACH_DAYS = "coaching_coachdayfigures"
RELATIONSHIPS = "coaching_relationshipfigures"

# ------------------------------------------------------------ the updates

_SESSION_COUNT_SQL = """
WITH day AS (
    INSERT INTO coaching_coachdayfigures
        (coach_id, day, completed, no_shows, checkins, checkin_score_sum)
    VALUES (%(coach)s, (%(starts_at)s AT TIME ZONE %(zone)s)::date,
            %(completed)s, %(no_shows)s, 0, 0)
    ON CONFLICT (coach_id, day) DO UPDATE
    SET completed = coaching_coachdayfigures.completed + EXCLUDED.completed,
        no_shows = coaching_coachdayfigures.no_shows + EXCLUDED.no_shows
)
UPDATE coaching_relationshipfigures r
SET last_contact_at = GREATEST(r.last_contact_at, %(ends_at)s)
FROM accounts_caseloadassignment a
WHERE %(completed)s = 1 AND a.id = r.assignment_id
  AND a.coach_id = %(coach)s AND a.client_id = %(client)s
"""

# A check-in counts in the statement that inserts it (coaching/services/
# trust_sql.py), as a part reading the inserted row from its `ins` part.
CHECKIN_COUNT_PART_SQL = """
INSERT INTO coaching_coachdayfigures
    (coach_id, day, completed, no_shows, checkins, checkin_score_sum)
SELECT ins.coach_id, (ins.created_at AT TIME ZONE %(zone)s)::date, 0, 0, 1, ins.score FROM ins
ON CONFLICT (coach_id, day) DO UPDATE
SET checkins = coaching_coachdayfigures.checkins + 1,
    checkin_score_sum = coaching_coachdayfigures.checkin_score_sum + EXCLUDED.checkin_score_sum
"""

# And its relationship's newest scores: its check-ins before it and
# itself, cut to the newest %(points)s (in the check-ins' order: time, then
# id).
# Recounted from the relationship's check-ins, not appended: two check-ins
# that waited for each other's lock keep their order by time. After the
# day's part in the statement's text, so the tables are locked in the order
# every service writes them (coach days, then relationships).
CHECKIN_SCORES_PART_SQL = """
UPDATE coaching_relationshipfigures r
SET checkin_scores = (
        SELECT array_agg(k.score ORDER BY k.created_at, k.id) FROM (
            SELECT ci.score, ci.created_at, ci.id FROM coaching_checkin ci
            WHERE ci.assignment_id = ins.assignment_id
            UNION ALL
            SELECT ins.score, ins.created_at, ins.id
            ORDER BY 2 DESC, 3 DESC LIMIT %(points)s
        ) k),
    last_checkin_at = GREATEST(r.last_checkin_at, ins.created_at)
FROM ins WHERE r.assignment_id = ins.assignment_id
"""

# Every attempt is the client's last attempt; one that reached them, their
# last contact too.
_CONTACT_SQL = """
UPDATE coaching_relationshipfigures r
SET last_attempt_at = GREATEST(r.last_attempt_at, %(at)s),
    last_contact_at = CASE WHEN %(reached)s THEN GREATEST(r.last_contact_at, %(at)s)
                           ELSE r.last_contact_at END
FROM accounts_caseloadassignment a
WHERE a.id = r.assignment_id AND a.client_id = %(client)s
"""

_PLAN_AGREED_SQL = """
UPDATE coaching_relationshipfigures r
SET plan_agreed_at = %(at)s
FROM coaching_plan p JOIN accounts_caseloadassignment a ON a.client_id = p.client_id
WHERE p.id = %(plan)s AND a.id = r.assignment_id
"""

_END_SQL = """
UPDATE coaching_relationshipfigures SET active = false WHERE assignment_id = %(assignment)s
"""


def _zone() -> str:
    return settings.TIME_ZONE


def _recompute_params(ids: list[int] | None = None) -> dict:
    """The recompute's parameters: every relationship, or those in `ids`."""
    return {"zone": _zone(), "ids": ids, "points": settings.TRUST_SPARKLINE_POINTS}


def session_figures_count(*, session) -> None:
    """A session just closed (completed or no-show) or logged: its coach's
    day counts it, and a completed one is its relationship's last contact."""
    if session.status not in ("completed", "no_show"):
        return
    completed = int(session.status == "completed")
    statement_run(
        _SESSION_COUNT_SQL,
        {
            "coach": session.coach_id,
            "client": session.client_id,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "zone": _zone(),
            "completed": completed,
            "no_shows": 1 - completed,
        },
    )


def contact_figures_count(*, attempt) -> None:
    """An attempt just logged: the last attempt of each of the client's
    relationships, and their last contact if it reached the client."""
    statement_run(
        _CONTACT_SQL,
        {"client": attempt.client_id, "at": attempt.at, "reached": attempt.outcome == "reached"},
    )


def plan_figures_agreed(*, plan_id: int, at) -> None:
    """A version of the plan was just agreed: each of its client's relationships."""
    statement_run(_PLAN_AGREED_SQL, {"plan": plan_id, "at": at})


def relationship_figures_start(*, assignment) -> None:
    """A relationship just started: its figures from history (a client who
    comes back keeps their plan and their last contact with this coach)."""
    statement_run(START_SQL, _recompute_params([assignment.pk]))


def relationship_figures_end(*, assignment_id: int) -> None:
    """A relationship just ended: its figures stay, no longer active."""
    statement_run(_END_SQL, {"assignment": assignment_id})


# ------------------------------------------------------ the nightly check


@dataclass(frozen=True)
class Drift:
    """How many kept rows differed from history, per table (note_counts:
    the coaches' note counts, sessions_log.models.CoachNoteCounts)."""

    coach_days: int
    relationships: int
    note_counts: int

    @property
    def any(self) -> bool:
        return bool(self.coach_days or self.relationships or self.note_counts)


def figures_drift() -> Drift:
    """Compare without writing or locking (a figure in flight may show)."""
    params = _recompute_params()
    return Drift(
        coach_days=statement_value(COACH_DAY_DRIFT_SQL, params),
        relationships=statement_value(RELATIONSHIP_DRIFT_SQL, params),
        note_counts=note_counts_drift(),
    )


def _lock_figures() -> None:
    # The order every service writes them in: coach days, then relationships
    # (a session's note counts are written before either, in sessions_log).
    statement_run(f"LOCK TABLE {COUNTS}, {COACH_DAYS}, {RELATIONSHIPS} IN EXCLUSIVE MODE", {})


def figures_repair() -> Drift:
    """Write what history says wherever a kept figure differs, with the
    figure tables locked against writers (readers go on): a service's
    update then waits, and lands on the repaired row, so none is lost.
    Returns what it set right."""
    params = _recompute_params()
    with transaction.atomic():
        _lock_figures()
        return Drift(
            coach_days=statement_value(COACH_DAY_REPAIR_SQL, params),
            relationships=statement_value(RELATIONSHIP_REPAIR_SQL, params),
            note_counts=note_counts_repair(),
        )


def coach_figures_repair(*, coach_ids) -> int:
    """Write what history says of the days of the coaches in `coach_ids`
    only, with the figure tables locked against writers as figures_repair
    does: the repair after history was removed past the services (a record
    destroyed at the end of retention), which would otherwise show as drift
    at night. An index walk per coach, not the whole history. Returns how
    many rows it set right."""
    if not coach_ids:
        return 0
    coaches = sorted(set(coach_ids))
    with transaction.atomic():
        _lock_figures()
        days = statement_value(SOME_COACH_DAYS_REPAIR_SQL, {"zone": _zone(), "coaches": coaches})
        return days + note_counts_repair(coaches)


def figures_check() -> Drift:
    """The nightly job: compare the kept figures with history; where they
    differ, repair them and tell every active admin how many rows differed
    (counts only: no client, no coach, no words). Locks only when a
    difference was seen. The email goes inside the repair's transaction:
    an SMTP error undoes the repair and the task's retry finds the same
    drift, so the alert is never lost. Returns what was repaired."""
    if not figures_drift().any:
        return Drift(0, 0, 0)
    with transaction.atomic():
        repaired = figures_repair()
        if repaired.any:
            _drift_alert(repaired)
    return repaired


def _drift_alert(drift: Drift) -> None:
    admins = (
        User.objects.filter(role=Role.ADMIN, is_active=True)
        .order_by("pk")
        .values_list("email", "language")
    )
    for email, language in admins:
        emails.send(
            template="figures_drift",
            to=email,
            language=language,
            context={
                "app_name": settings.APP_NAME,
                "coach_days": drift.coach_days,
                "relationships": drift.relationships,
                "note_counts": drift.note_counts,
            },
        )
