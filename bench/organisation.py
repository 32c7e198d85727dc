"""The large organisation `make bench` measures on: built with set-based
INSERTs (generate_series, no ORM object per row but for the teams and
staff) in the database scripts/bench.sh made for the run (sizes from
BENCH_* variables; defaults below; `build(scale)` multiplies them)."""

import contextlib
import os
import time

from allauth.mfa.totp.internal.auth import TOTP
from django.db import DatabaseError, connection

from accounts.models import Role, Team, User
from accounts.models.people import organisation_time_zone
from coaching.models.plans import LAST_AGREED_SQL
from coaching.services.figures import figures_repair
from common import crypto

SIZES = {
    "teams": int(os.environ.get("BENCH_TEAMS", 20)),
    "coaches": int(os.environ.get("BENCH_COACHES", 200)),
    "clients": int(os.environ.get("BENCH_CLIENTS", 10_000)),
    "sessions": int(os.environ.get("BENCH_SESSIONS", 500_000)),
    "notes": int(os.environ.get("BENCH_NOTES", 450_000)),
    "checkins": int(os.environ.get("BENCH_CHECKINS", 400_000)),
    "years": int(os.environ.get("BENCH_YEARS", 3)),
}
CHUNKS = 10
ADMINS = 5
CHUNK_ROWS = 250_000  # sessions per statement, at most
# Loaded with their indexes and constraints (but the primary key) dropped
# and made again afterwards: one sort per index instead of an index insert
# (and, for the constraints, a lookup or a GiST probe) per row.
BULK_TABLES = [
    "sessions_log_session",
    "sessions_log_note",
    "sessions_log_notereview",
    "coaching_checkin",
]
SESSIONS_SQL = """
INSERT INTO sessions_log_session (uid, sequence, coach_id, client_id, starts_at, ends_at,
    modality, location, video_url, agenda, status, cancel_reason, cancelled_at,
    created_by_id, created_at, updated_at)
SELECT gen_random_uuid(), 0, k.coach, k.client, t.at, t.at + interval '50 min',
    (ARRAY['phone','in_person','video','text'])[1 + i %% 4], '', '', '',
    CASE WHEN t.at > now() THEN 'scheduled'
         WHEN i %% 17 = 0 THEN 'no_show'
         WHEN i %% 23 = 0 THEN 'cancelled' ELSE 'completed' END,
    '',
    CASE WHEN t.at <= now() AND i %% 17 <> 0 AND i %% 23 = 0 THEN t.at - interval '1 day' END,
    k.coach, t.at - interval '7 days', t.at
FROM generate_series(%(first)s, %(last)s) AS i
CROSS JOIN LATERAL (
    SELECT (%(coaches)s::bigint[])[1 + i %% %(n_coaches)s] AS coach,
           (%(clients)s::bigint[])[
               (i %% %(n_coaches)s + %(n_coaches)s - 1) %% %(n_coaches)s + 1
               + ((i / %(n_coaches)s) %% %(per_caseload)s) * %(n_coaches)s
           ] AS client
) k
CROSS JOIN LATERAL (
    SELECT now() - %(span)s * interval '1 hour' * 0.98
           + (i / %(n_coaches)s) * %(step)s * interval '1 hour' AS at
) t
WHERE k.client IS NOT NULL
"""


def _progress(label: str, done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    bar = "#" * filled + "." * (width - filled)
    elapsed, end = time.monotonic() - started, "\n" if done >= total else ""
    print(f"\r  {label:<10} [{bar}] {done:>9,}/{total:,}  {elapsed:5.1f}s", end=end)


def _sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or {})


@contextlib.contextmanager
def _without_indexes(tables: list[str]):
    """Drops the tables' indexes and constraints but their primary keys for
    the block and makes them again from their own definitions after it
    (foreign keys last: making them checks every row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid),
                      c.contype = 'f'
               FROM pg_constraint c
               WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype <> 'p'
               ORDER BY c.contype = 'f' DESC, c.conname""",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i
               WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
                 AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [tables],
        )
        indexes = cursor.fetchall()
    quote = connection.ops.quote_name
    for table, name, _, _ in constraints:
        _sql(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        _sql(f"DROP INDEX {quote(name)}")
    yield
    # Sorting (and the GiST build of the no-double-booking constraint) in
    # memory: this machine has plenty, and the build is one session.
    _sql("SET maintenance_work_mem = '1GB'")
    for _, definition in indexes:
        _sql(definition)
    for table, name, definition, _ in sorted(constraints, key=lambda row: row[3]):
        _sql(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    _sql("RESET maintenance_work_mem")


def wipe() -> None:
    """Empties the organisation (every team and person, and with them all
    that refers to them), for building another."""
    _sql("TRUNCATE accounts_team, accounts_user CASCADE")


def build(scale: int = 1) -> float:
    """Builds the organisation, `scale` times SIZES (the years aside: the
    same history, more people); returns the seconds it took."""
    started = time.monotonic()
    sizes = {name: n * scale if name != "years" else n for name, n in SIZES.items()}
    print(f"Building the organisation at {scale}x: {sizes}")
    teams = Team.objects.bulk_create(Team(name=f"Team {n}") for n in range(sizes["teams"]))

    def user(email, role, team=None):
        person = User(email=email, display_name=email.split("@")[0].title(), role=role, team=team)
        person.set_unusable_password()
        return person

    supervisors = User.objects.bulk_create(
        user(f"supervisor{n}@bench.example", Role.SUPERVISOR, team) for n, team in enumerate(teams)
    )
    # The organisation's few admins (they read the all-teams dashboard).
    admins = User.objects.bulk_create(
        user(f"admin{n}@bench.example", Role.ADMIN) for n in range(ADMINS)
    )
    coaches = User.objects.bulk_create(
        (
            user(f"coach{n}@bench.example", Role.COACH, teams[n % len(teams)])
            for n in range(sizes["coaches"])
        ),
        batch_size=2000,
    )
    # The clients in one statement (a password no one can use, as
    # set_unusable_password writes: "!" and random characters).
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_user (password, email, display_name, time_zone, role,
                   is_active, date_joined, credential)
               SELECT '!' || md5(random()::text), 'client' || n || '@bench.example',
                      'Client' || n, %(zone)s, 'client', true, now(), ''
               FROM generate_series(0, %(n)s - 1) AS n ORDER BY n
               RETURNING id""",
            {"zone": organisation_time_zone(), "n": sizes["clients"]},
        )
        client_ids = sorted(row[0] for row in cursor.fetchall())
    _progress("people", 1, 1, started)
    ids = {
        "coaches": [c.pk for c in coaches],
        "clients": client_ids,
        "years": sizes["years"],
    }
    _sql(
        """INSERT INTO accounts_caseloadassignment (coach_id, client_id, started_at, end_reason)
           SELECT (%(coaches)s::bigint[])[1 + (i %% array_length(%(coaches)s::bigint[], 1))],
                  client, now() - %(years)s * interval '1 year' - interval '1 day', ''
           FROM unnest(%(clients)s::bigint[]) WITH ORDINALITY AS c(client, i)""",
        ids,
    )
    # Sessions: each client's sessions go with their coach; a coach's sessions
    # follow each other (50 minutes every few hours) so none overlap. The
    # newest 2% are still to come. Session i is coach i mod n's, with the
    # coach's clients in turn: the clients were handed out above so that
    # coach c's m-th client is the ((c + n - 1) mod n) + 1 + m * n-th.
    total = sizes["sessions"]
    chunks = max(CHUNKS, -(-total // CHUNK_ROWS))
    per_chunk = -(-total // chunks)
    span_hours = sizes["years"] * 365 * 24
    per_coach = -(-total // len(coaches))  # sessions each
    ids.update(
        n_coaches=len(coaches),
        per_caseload=max(1, len(client_ids) // len(coaches)),
        span=span_hours,
        step=span_hours / per_coach,
    )
    with _without_indexes(BULK_TABLES):
        for chunk in range(chunks):
            first, last = chunk * per_chunk, min(total, (chunk + 1) * per_chunk) - 1
            if first > last:
                break
            _sql(SESSIONS_SQL, {**ids, "first": first, "last": last})
            _progress("sessions", last + 1, total, started)
        _sql("ANALYZE sessions_log_session")
        _each_session_in_its_caseload()
        _notes_and_checkins(sizes, started)
    _progress("indexes", 1, 1, started)
    print("  flags, recovery plans, statistics ...")
    _sql(
        """INSERT INTO coaching_trustflag (assignment_id, client_id, coach_id, rule, detail,
               status, raised_at, resolution_note)
           SELECT id, client_id, coach_id, 'low_score', 'Score 62', 'open',
                  now() - interval '3 days', ''
           FROM accounts_caseloadassignment WHERE id %% 40 = 0"""
    )
    _plans()
    _progress("plans", 1, 1, started)
    # The loads above went past the services that keep the figures the
    # pages read (the dashboard's): they are made from history, as the
    # nightly check would, before the statistics are taken.
    figures_repair()
    _progress("figures", 1, 1, started)
    # Vacuumed as well as analysed, and the dirty pages written out: the
    # autovacuum and the checkpoint the build would otherwise set off would
    # run during the measurements and count as the pages' PostgreSQL CPU.
    print("  vacuum, analyse, checkpoint ...")
    _sql("VACUUM (ANALYZE)")
    with contextlib.suppress(DatabaseError):  # CHECKPOINT needs a privileged role
        _sql("CHECKPOINT")
    # Staff reach nothing without MFA set up (and used in this login).
    for person in [*admins, *supervisors, *coaches]:
        TOTP.activate(person, "JBSWY3DPEHPK3PXP")
    seconds = time.monotonic() - started
    print(f"  built in {seconds:.0f} s")
    return seconds


def _each_session_in_its_caseload() -> None:
    """The sessions' coaches and clients are worked out from the order the
    clients were handed out in: a session outside its coach's caseload would
    make pages about nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM sessions_log_session s
               WHERE NOT EXISTS (
                   SELECT FROM accounts_caseloadassignment a
                   WHERE a.coach_id = s.coach_id AND a.client_id = s.client_id
               )"""
        )
        (stray,) = cursor.fetchone()
    if stray:
        raise RuntimeError(f"{stray:,} sessions are outside their coach's caseload")


def _notes_and_checkins(sizes: dict, started: float) -> None:
    """Notes for the newest closed sessions (signed but for the last five
    days'), supervisors' co-signatures on those older than a month, the
    sessions' note states from them, and check-ins after the newest
    completed sessions."""
    narrative = crypto.encrypt("Talked through the week; agreed the next small step.")
    closed = "s.status IN ('completed', 'no_show')"
    total = sizes["notes"]
    _progress("notes", 0, total, started)
    _sql(
        f"""INSERT INTO sessions_log_note (session_id, author_id, services, goals, narrative,
               client_words, next_steps, over_cap_reason, created_at, updated_at, signed_at)
           SELECT s.id, s.coach_id, '{{}}', '', %(narrative)s, '', '', '', s.ends_at, s.ends_at,
               CASE WHEN s.ends_at > now() - interval '5 days' THEN NULL
                    ELSE s.ends_at + interval '1 day' END
           FROM sessions_log_session s WHERE {closed} ORDER BY s.id DESC LIMIT %(n)s""",  # noqa: S608
        {"narrative": narrative, "n": total},
    )
    _progress("notes", total, total, started)
    # Supervisors co-signed what is older than a month.
    _sql(
        """INSERT INTO sessions_log_notereview (note_id, reviewer_id, decision, comment, at)
           SELECT n.id, sup.id, 'cosigned', '', n.signed_at + interval '2 days'
           FROM sessions_log_note n
           JOIN accounts_user coach ON coach.id = n.author_id
           JOIN accounts_user sup ON sup.team_id = coach.team_id AND sup.role = 'supervisor'
           WHERE n.signed_at < now() - interval '30 days'"""
    )
    print("  note states ...")
    # What sessions_log.services.notes.note_states_recompute works out (the
    # tests hold the two equal), as one pass of joins over data with at most
    # one review per note and no addenda: the app's own statement looks the
    # reviews up note by note, through indexes made only after the load.
    _sql(
        """UPDATE sessions_log_session s
           SET note_state = CASE WHEN n.signed_at IS NULL THEN 'to_write'
                                 WHEN r.at IS NOT NULL THEN 'cosigned'
                                 ELSE 'awaiting_cosign' END,
               note_state_at = CASE WHEN n.signed_at IS NULL THEN c.ends_at
                                    ELSE coalesce(r.at, n.signed_at) END
           FROM sessions_log_session c
           LEFT JOIN sessions_log_note n ON n.session_id = c.id
           LEFT JOIN sessions_log_notereview r ON r.note_id = n.id AND r.decision = 'cosigned'
           WHERE s.id = c.id AND c.status IN ('completed', 'no_show')"""
    )
    _sql("ANALYZE sessions_log_session, sessions_log_note")
    total = sizes["checkins"]
    _progress("check-ins", 0, total, started)
    _sql(
        """INSERT INTO coaching_checkin (assignment_id, client_id, coach_id, session_id, heard,
               safe, focus, trust, helping, comment, created_at)
           SELECT a.id, s.client_id, s.coach_id, s.id, 6 + (s.id %% 5), 7 + (s.id %% 4),
               6 + (s.id %% 5), 7 + (s.id %% 4), 5 + (s.id %% 6), '', s.ends_at + interval '2 hours'
           FROM sessions_log_session s
           JOIN accounts_caseloadassignment a
             ON a.client_id = s.client_id AND a.coach_id = s.coach_id AND a.ended_at IS NULL
           WHERE s.status = 'completed' ORDER BY s.id DESC LIMIT %(n)s""",  # noqa: S608
        {"n": total},
    )
    _progress("check-ins", total, total, started)


def _plans() -> None:
    """Nine clients in ten have a recovery plan written with their coach a
    year ago: two goals of two steps each (one the coach's idea), in every
    state. Seven in ten of those were agreed, some more than 90 days ago
    (due for review); the rest are drafts."""
    words, why = crypto.encrypt("Keep my flat"), crypto.encrypt("It is mine")
    action, went = crypto.encrypt("Call the housing office"), crypto.encrypt("It went fine")
    _sql(
        """INSERT INTO coaching_plan (client_id, created_by_id, created_at)
           SELECT a.client_id, a.coach_id, now() - interval '1 year'
           FROM accounts_caseloadassignment a WHERE a.client_id %% 10 <> 0"""
    )
    _sql(
        """INSERT INTO coaching_planversion (plan_id, number, created_by_id, created_at,
               client_name, client_confirmed_at, coach_signed_by_id, coach_signed_at, agreed_at)
           SELECT p.id, 1, p.created_by_id, p.created_at, u.display_name, t.at,
                  CASE WHEN t.at IS NULL THEN NULL ELSE p.created_by_id END, t.at, t.at
           FROM coaching_plan p JOIN accounts_user u ON u.id = p.client_id
           CROSS JOIN LATERAL (
               SELECT CASE WHEN p.id %% 10 < 7
                           THEN now() - (p.id %% 150) * interval '1 day' END AS at
           ) t"""
    )
    _sql(LAST_AGREED_SQL)
    _sql(
        """INSERT INTO coaching_goal (plan_id, area_id, words, why, created_by_id, created_at,
               updated_by_id, updated_at)
           SELECT p.id, (SELECT min(id) FROM coaching_lifearea) + g %% 6, %(words)s, %(why)s,
                  p.created_by_id, p.created_at, p.created_by_id, p.created_at
           FROM coaching_plan p CROSS JOIN generate_series(0, 1) AS g""",
        {"words": words, "why": why},
    )
    _sql(
        """INSERT INTO coaching_step (goal_id, action, who, suggested_by, coach_id, state,
               how_it_went, state_changed_by_id, state_changed_at, created_by_id, created_at,
               updated_by_id, updated_at)
           SELECT g.id, %(action)s, 'client', CASE WHEN n = 0 THEN 'coach' ELSE 'client' END,
                  g.created_by_id,
                  (ARRAY['not_started', 'trying', 'done', 'let_go'])[1 + (g.id + n) %% 4],
                  CASE WHEN (g.id + n) %% 4 = 2 THEN %(went)s ELSE '' END,
                  NULL, NULL, g.created_by_id, now() - (g.id %% 120) * interval '1 day',
                  g.created_by_id, now() - (g.id %% 120) * interval '1 day'
           FROM coaching_goal g CROSS JOIN generate_series(0, 1) AS n""",
        {"action": action, "went": went},
    )
