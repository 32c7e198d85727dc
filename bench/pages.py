"""`make bench`: the everyday pages on a large organisation, beside a
bare-Django baseline, under wrk at 16 connections.

1. Builds the organisation in the database scripts/bench.sh made for the run
   (sizes from BENCH_* variables; defaults below) with set-based INSERTs.
2. Starts gunicorn with bench.settings (the production settings plus the
   baseline page of bench/views.py) and drives with wrk the baseline page
   (one row by primary key, a small template, the same middleware stack,
   the same signed-in cookie), then each page. Every request renders its
   page afresh: the app keeps no rendered content.
3. Prints and saves (.run/bench-pages.json) requests/s, p50/p95/p99, errors,
   SQL queries per request and the ratio to the baseline. Profiles the
   slowest GET page in-process with pyinstrument and cProfile.
"""

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

import django

# In-process too (query counts, profiles, the baseline's URL): what gunicorn serves.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
django.setup()

from allauth.mfa.totp.internal.auth import TOTP  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts import crypto  # noqa: E402
from accounts.models import Role, Team, User  # noqa: E402
from bench.signin import session_key, signed_in_client  # noqa: E402
from coaching.models import CheckInRequest  # noqa: E402
from sessions_log.models import Note, Session  # noqa: E402
from sessions_log.services.notes import note_states_recompute  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZES = {
    "teams": int(os.environ.get("BENCH_TEAMS", 20)),
    "coaches": int(os.environ.get("BENCH_COACHES", 200)),
    "clients": int(os.environ.get("BENCH_CLIENTS", 10_000)),
    "sessions": int(os.environ.get("BENCH_SESSIONS", 500_000)),
    "notes": int(os.environ.get("BENCH_NOTES", 450_000)),
    "checkins": int(os.environ.get("BENCH_CHECKINS", 400_000)),
    "years": int(os.environ.get("BENCH_YEARS", 3)),
}
DURATION = os.environ.get("BENCH_SECONDS", "10")
CONNECTIONS = 16
# As docs/scaling.md advises for a web node: twice the cores.
WORKERS = int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 2)))
CHUNKS = 10


def _progress(label: str, done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    bar = "#" * filled + "." * (width - filled)
    elapsed, end = time.monotonic() - started, "\n" if done >= total else ""
    print(f"\r  {label:<10} [{bar}] {done:>9,}/{total:,}  {elapsed:5.1f}s", end=end)


def _sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or {})


def build() -> dict:
    started = time.monotonic()
    print(f"Building the organisation: {SIZES}")
    teams = Team.objects.bulk_create(Team(name=f"Team {n}") for n in range(SIZES["teams"]))

    def user(email, role, team=None):
        person = User(email=email, display_name=email.split("@")[0].title(), role=role, team=team)
        person.set_unusable_password()
        return person

    supervisors = User.objects.bulk_create(
        user(f"supervisor{n}@bench.example", Role.SUPERVISOR, team) for n, team in enumerate(teams)
    )
    coaches = User.objects.bulk_create(
        user(f"coach{n}@bench.example", Role.COACH, teams[n % len(teams)])
        for n in range(SIZES["coaches"])
    )
    clients = User.objects.bulk_create(
        (user(f"client{n}@bench.example", Role.CLIENT) for n in range(SIZES["clients"])),
        batch_size=2000,
    )
    _progress("people", 1, 1, started)
    ids = {
        "coaches": [c.pk for c in coaches],
        "clients": [c.pk for c in clients],
        "years": SIZES["years"],
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
    # newest 2% are still to come.
    total, per_chunk = SIZES["sessions"], -(-SIZES["sessions"] // CHUNKS)
    span_hours = SIZES["years"] * 365 * 24
    per_coach = -(-total // len(coaches))  # sessions each
    ids.update(n_coaches=len(coaches), span=span_hours, step=span_hours / per_coach)
    for chunk in range(CHUNKS):
        first, last = chunk * per_chunk, min(total, (chunk + 1) * per_chunk) - 1
        if first > last:
            break
        _sql(
            """INSERT INTO sessions_log_session (uid, sequence, coach_id, client_id, starts_at,
                   ends_at, modality, location, video_url, agenda, status, cancel_reason,
                   cancelled_at, created_by_id, created_at, updated_at)
               SELECT gen_random_uuid(), 0, a.coach_id, a.client_id, t.at, t.at + interval '50 min',
                   (ARRAY['phone','in_person','video','text'])[1 + i %% 4], '', '', '',
                   CASE WHEN t.at > now() THEN 'scheduled'
                        WHEN i %% 17 = 0 THEN 'no_show'
                        WHEN i %% 23 = 0 THEN 'cancelled' ELSE 'completed' END,
                   '',
                   CASE WHEN t.at <= now() AND i %% 17 <> 0 AND i %% 23 = 0
                        THEN t.at - interval '1 day' END,
                   a.coach_id, t.at - interval '7 days', t.at
               FROM generate_series(%(first)s, %(last)s) AS i
               JOIN LATERAL (
                   SELECT (%(coaches)s::bigint[])[1 + (i %% %(n_coaches)s)] AS coach
               ) k ON true
               JOIN LATERAL (
                   SELECT coach_id, client_id FROM accounts_caseloadassignment
                   WHERE coach_id = k.coach AND ended_at IS NULL
                   ORDER BY client_id OFFSET ((i / %(n_coaches)s) %% 50) LIMIT 1
               ) a ON true
               CROSS JOIN LATERAL (
                   SELECT now() - %(span)s * interval '1 hour' * 0.98
                          + (i / %(n_coaches)s) * %(step)s * interval '1 hour' AS at
               ) t""",  # noqa: S608 - constants only
            {**ids, "first": first, "last": last},
        )
        _progress("sessions", last + 1, total, started)
    narrative = crypto.encrypt("Talked through the week; agreed the next small step.")
    closed = "s.status IN ('completed', 'no_show')"
    total = SIZES["notes"]
    _sql(
        f"""INSERT INTO sessions_log_note (session_id, author_id, services, goals, narrative,
               client_words, next_steps, created_at, updated_at, signed_at)
           SELECT s.id, s.coach_id, '{{}}', '', %(narrative)s, '', '', s.ends_at, s.ends_at,
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
    note_states_recompute()
    total = SIZES["checkins"]
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
    _sql(
        """INSERT INTO coaching_trustflag (assignment_id, client_id, coach_id, rule, detail,
               status, raised_at, resolution_note)
           SELECT id, client_id, coach_id, 'low_score', 'Score 62', 'open',
                  now() - interval '3 days', ''
           FROM accounts_caseloadassignment WHERE id %% 40 = 0"""
    )
    _sql("ANALYZE")
    print(f"  built in {time.monotonic() - started:.0f} s")
    coach = User.objects.get(pk=ids["coaches"][0])
    # Staff reach nothing without MFA set up (and used in this login).
    for person in (coach, supervisors[0]):
        TOTP.activate(person, "JBSWY3DPEHPK3PXP")
    return {
        "coach": coach,
        "supervisor": supervisors[0],
        "client": User.objects.filter(coach_assignments__coach=coach).order_by("pk").first(),
        "clients": ids["clients"],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


LUA = r"""
local cookies, bodies, path, method = {}, {}, "%(path)s", "%(method)s"
%(setup)s
local counter, threads = 0, 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
request = function()
  counter = counter + 1
  -- Two threads, disjoint cookies: thread 0 takes odd slots, thread 1 even.
  local i = ((counter * 2 + (id or 0)) %% #cookies) + 1
  local headers = {["Cookie"] = cookies[i], ["HX-Request"] = "%(htmx)s"}
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", path, headers, bodies[i])
  end
  return wrk.format("GET", path, headers)
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, "errors": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def _wrk(base: str, path: str, cookies: list[str], *, method="GET", bodies=None, htmx=False):
    setup = "\n".join(f'cookies[{n + 1}] = "{cookie}"' for n, cookie in enumerate(cookies))
    if bodies:
        setup += "\n" + "\n".join(f'bodies[{n + 1}] = "{body}"' for n, body in enumerate(bodies))
    script = ROOT / ".run" / "bench.lua"
    script.write_text(
        LUA % {"path": path, "method": method, "setup": setup, "htmx": "true" if htmx else ""}
    )
    # wrk comes from `make bench-deps`; the arguments are fixed.
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "-s", str(script), base]
    timeout = int(DURATION) + 60
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)  # noqa: S603
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def _queries(path: str, user: User, *, method="get", data=None, htmx=False) -> int:
    """SQL queries of one request."""
    client = signed_in_client(user)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    client.get("/")  # warm: records the user session (a GET, so nothing is posted twice)
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data or {}, **headers)
    expected = (302,) if method == "post" and not htmx else (200,)
    if response.status_code not in expected:
        sys.exit(f"{method.upper()} {path} answered {response.status_code}, not {expected}")
    return len(queries.captured_queries)


@contextlib.contextmanager
def _server():
    """gunicorn with bench.settings on a free port."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
    }
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "gunicorn", "coaching.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(WORKERS), "--no-control-socket", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(people: dict) -> None:
    coach, supervisor, client = people["coach"], people["supervisor"], people["client"]
    draft = Note.objects.filter(author=coach, signed_at__isnull=True).first()
    # Clients with nothing to stop them checking in between sessions now.
    poster_ids = people["clients"][-3000:]
    posters = list(User.objects.filter(pk__in=poster_ids).order_by("pk"))
    measured_poster = posters.pop()  # kept out of the load, for counting queries
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret

    def cookie(key):
        return f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={csrf}"

    users = {"coach": coach, "supervisor": supervisor, "client": client}
    keys = {who: [cookie(session_key(person))] for who, person in users.items()}
    answers = "heard=8&safe=9&focus=7&trust=8&helping=9"
    pages = [
        ("coach home (caseload)", reverse("coaching:coach_home"), "coach", {}),
        ("client timeline", reverse("coaching:client_timeline", args=[client.pk]), "coach", {}),
        ("team dashboard", reverse("coaching:team_dashboard"), "supervisor", {}),
        ("coach detail", reverse("coaching:coach_detail", args=[coach.pk]), "supervisor", {}),
        ("review queue", reverse("sessions_log:review_queue"), "supervisor", {}),
        ("client home", reverse("coaching:client_home"), "client", {}),
        (
            "check-in submit (POST)",
            reverse("coaching:checkin_new"),
            "posters",
            {"method": "POST", "body": f"csrfmiddlewaretoken={csrf}&{answers}"},
        ),
        (
            "note save (POST)",
            reverse("sessions_log:note_draft", args=[draft.pk]),
            "coach",
            {
                "method": "POST",
                "body": f"csrfmiddlewaretoken={csrf}&narrative=Autosaved+text&goals=Work",
                "htmx": True,
            },
        ),
    ]
    baseline_path = reverse("bench_baseline", args=[Team.objects.order_by("pk").first().pk])

    def load(base, label, path, who, options):
        method, htmx = options.get("method", "GET"), options.get("htmx", False)
        if who == "posters":
            cookies = [cookie(session_key(person)) for person in posters]
            bodies = [options["body"]] * len(cookies)
        else:
            cookies = keys[who]
            bodies = [options["body"]] if "body" in options else None
        figures = _wrk(base, path, cookies, method=method, bodies=bodies, htmx=htmx)
        # The same request in-process (the test client does not check CSRF).
        user = measured_poster if who == "posters" else users[who]
        data = dict(parse_qsl(options["body"])) if "body" in options else None
        figures["queries"] = _queries(path, user, method=method.lower(), data=data, htmx=htmx)
        figures["page"] = label
        return figures

    print(
        f"\nLoad: wrk, {CONNECTIONS} connections, {DURATION} s per page, gunicorn {WORKERS} workers"
    )
    with _server() as base:
        _wrk(base, baseline_path, keys["coach"])  # warm-up: workers, connections
        baseline = _wrk(base, baseline_path, keys["coach"])
        baseline.update(page="baseline (one row, small template)", queries=None)
        results = [load(base, *page) for page in pages]

    _print_table(baseline, results)
    out = ROOT / ".run" / "bench-pages.json"
    out.write_text(json.dumps({"sizes": SIZES, "baseline": baseline, "pages": results}, indent=2))
    print(f"saved {out}")
    _profile_slowest(results, pages, people)


def _print_table(baseline, rows) -> None:
    print(
        f"\n{'page':<36} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'queries':>7} {'of base':>7}"
    )
    for row in [baseline, *rows]:
        ratio = row["rps"] / baseline["rps"]
        row["ratio"] = round(ratio, 3)
        print(
            f"{row['page']:<36} {row['rps']:>7.0f} {row['p50']:>7.1f} {row['p95']:>7.1f} "
            f"{row['p99']:>7.1f} {row['errors']:>6} {row['queries'] or '-':>7} {ratio:>7.0%}"
        )


def _profile_slowest(rows, pages, people) -> None:
    """The slowest GET page: what limits a request."""
    from pyinstrument import Profiler  # noqa: PLC0415 - only for this step
    from pyinstrument.renderers import ConsoleRenderer  # noqa: PLC0415

    gets = {page[0] for page in pages if "method" not in page[3]}
    slowest = min((row for row in rows if row["page"] in gets), key=lambda row: row["rps"])
    label, path, who, _ = next(page for page in pages if page[0] == slowest["page"])
    client = signed_in_client(people[who])
    client.get(path)  # warm: the user session, the compiled templates
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(30):
            client.get(path)
    print(f"\nProfile of the slowest GET page, {label} ({path}), 30 requests in-process:")
    # The call tree through our own code; Django's and the drivers' frames
    # are folded into the line that called them.
    renderer = ConsoleRenderer(unicode=False, color=False, show_all=False, short_mode=True)
    print("\n".join(profiler.output(renderer).splitlines()[:70]))
    _where_time_goes(client, path)


# (label, file the function is in, function): cumulative time of each.
_SHARES = [
    ("whole request", "django/test/client.py", "request"),
    ("the view (middleware excluded)", "django/core/handlers/base.py", "_get_response"),
    ("ORM: build SQL, run, fetch", "django/db/models/sql/compiler.py", "execute_sql"),
    ("  of which PostgreSQL round trips", "psycopg/cursor.py", "execute"),
    ("template rendering (incl. lazy queries)", "django/template/backends/django.py", "render"),
    ("  of which the date filter", "django/template/defaultfilters.py", "date"),
    ("  of which {% url %}", "django/urls/base.py", "reverse"),
]


def _where_time_goes(client, path: str, requests: int = 30) -> None:
    """Where one request's time goes, by layer (cProfile; its overhead
    inflates every figure alike, so read them as shares)."""
    import cProfile  # noqa: PLC0415 - only for this step
    import pstats  # noqa: PLC0415

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        client.get(path)
    profile.disable()
    stats = pstats.Stats(profile).stats
    whole = None
    print(f"\nWhere the time of {path} goes (cProfile, per request):")
    for label, filename, function in _SHARES:
        seconds = sum(
            row[3] for key, row in stats.items() if key[0].endswith(filename) and key[2] == function
        )
        whole = whole or seconds
        print(f"  {label:<42} {seconds * 1000 / requests:6.1f} ms  {seconds / whole:4.0%}")


if __name__ == "__main__":
    if Session.objects.exists() or CheckInRequest.objects.exists():
        sys.exit("bench/pages.py expects the empty database scripts/bench.sh creates")
    measure(build())
