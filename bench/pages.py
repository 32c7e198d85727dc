"""`make bench`: the everyday pages on a large organisation, as many
signed-in people use them, beside two references measured in the same run.

1. Builds the organisation (bench/organisation.py) and signs in every
   coach and supervisor and 200 clients (one session each, MFA done), plus
   the clients who post check-ins.
2. Serves the bare-Django reference (bench.bare_settings: no middleware,
   one row by primary key, a small template), then the app (bench.settings:
   the production settings plus the in-stack baseline, the same row and
   template behind our full middleware, signed in), both with the same
   gunicorn command, and drives each with wrk: every request comes from
   another person's session and, for a page about one record, about
   another record in that person's reach. No figure rests on one person
   repeating a request.
   The baseline renders its row inside the shared layout (base.html), and
   is run again after each page: each page's share and CPU ratio are
   against the mean of the baseline runs just before and just after it.
3. Over each wrk run, the CPU the web workers and PostgreSQL spent per
   request (bench/cpu.py); after it, the page open-loop at 60% of the rate
   wrk measured, its p95 timed from each request's scheduled moment
   (bench/openloop.py).
4. Prints and saves (.run/bench-pages.json) requests/s, p50/p95/p99,
   errors, SQL statements per request, the shares of both references,
   CPU per request by tier and the open-loop p95 (bench/report.py);
   prints each gunicorn worker's resident memory; profiles the slowest GET
   page in-process (bench/profile.py).
5. Measures what bounds each GET page (bench/floor.py): its SQL alone,
   replayed for the same people under the same load, and in-process the
   time of its requests and of their SQL; and the EXPLAIN ANALYZE of each
   statement of one request of each (.run/bench-explain.txt; at 10x also
   .run/bench-explain-10x.txt).
6. With BENCH_SCALE=N (say 10), builds the organisation again N times over
   and measures every page again: rows with `"scale": N` in the same JSON.
   Then prints each of issue 30's targets with its figure.
"""

import json
import os
import secrets
import sys
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import django

# In-process too (query counts, profiles): what gunicorn serves.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import CaseloadAssignment, Role, Team, User  # noqa: E402
from bench import cpu, floor, load, openloop, report  # noqa: E402
from bench.organisation import SIZES, build, wipe  # noqa: E402
from bench.profile import profile_page  # noqa: E402
from bench.signin import session_keys, signed_in_client  # noqa: E402
from coaching.models import CheckInRequest  # noqa: E402
from sessions_log.models import Note, Session  # noqa: E402

ROOT = load.ROOT
SIGNED_IN_CLIENTS = 200
# Clients who check in between sessions: each may do so once a week, so
# every POST of the run (its warm-up, closed loop and open loop) needs a
# client of its own: about 1.6 times the closed loop's requests and the
# warm-up's. 6,000 ran out at 293 check-ins a second (a second check-in
# within the week is refused, 409, and counted as an error).
POSTING_CLIENTS = int(os.environ.get("BENCH_POSTING_CLIENTS", 9000))
PER_VIEWER = 5  # records per person for pages about one record


@dataclass
class Page:
    name: str
    requests: list[load.Request]
    method: str = "GET"
    status: int = 200
    refuse: str = ""
    htmx: bool = False
    # One of the requests, made in-process to count its SQL statements.
    sample: tuple[User, str, dict] = field(default=None)


def _pages(csrf: str) -> tuple[list[Page], list[User]]:
    cookie_name, csrf_name = settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME
    coaches = list(User.objects.filter(role=Role.COACH).order_by("pk"))
    supervisors = list(User.objects.filter(role=Role.SUPERVISOR).order_by("pk"))
    admins = list(User.objects.filter(role=Role.ADMIN).order_by("pk"))
    clients = list(
        User.objects.filter(role=Role.CLIENT, coach_assignments__ended_at__isnull=True)
        .order_by("pk")
        .distinct()
    )
    viewers, posters = clients[:SIGNED_IN_CLIENTS], clients[-POSTING_CLIENTS:]
    if set(viewers) & set(posters):
        sys.exit("BENCH_CLIENTS is too small for the signed-in and the posting clients")
    people = [*coaches, *supervisors, *admins, *viewers, *posters]
    print(f"Signing in {len(people):,} people (one session each, MFA done for staff)")
    keys = dict(zip([p.pk for p in people], session_keys(people), strict=True))

    def cookie(person):
        return f"{cookie_name}={keys[person.pk]}; {csrf_name}={csrf}"

    def get(person, path):
        return load.Request(path=path, cookie=cookie(person))

    caseloads: dict[int, list[int]] = {}
    for coach_id, client_id in CaseloadAssignment.objects.filter(ended_at__isnull=True).values_list(
        "coach_id", "client_id"
    ):
        caseloads.setdefault(coach_id, []).append(client_id)
    team_coaches: dict[int, list[User]] = {}
    for coach in coaches:
        team_coaches.setdefault(coach.team_id, []).append(coach)
    drafts: dict[int, list[int]] = {}
    for author_id, note_id in Note.objects.filter(signed_at__isnull=True).values_list(
        "author_id", "pk"
    ):
        drafts.setdefault(author_id, []).append(note_id)

    def timeline(client_id):
        return reverse("coaching:client_timeline", args=[client_id])

    def coach_detail(coach):
        return reverse("coaching:coach_detail", args=[coach.pk])

    def note_draft(note_id):
        return reverse("sessions_log:note_draft", args=[note_id])

    # Interleaved: person 1's first record, person 2's first, ..., then the seconds.
    def spread(pairs_per_person):
        rounds = max(map(len, pairs_per_person), default=0)
        return [p[n] for n in range(rounds) for p in pairs_per_person if n < len(p)]

    answers = "heard=8&safe=9&focus=7&trust=8&helping=9"
    checkin = f"csrfmiddlewaretoken={csrf}&{answers}"
    autosave = f"csrfmiddlewaretoken={csrf}&narrative=Autosaved+text&goals=Work"
    home, client_home = reverse("coaching:coach_home"), reverse("coaching:client_home")
    dashboard, queue = reverse("coaching:team_dashboard"), reverse("sessions_log:review_queue")
    checkin_path = reverse("coaching:checkin_new")
    timelines = spread([[(c, timeline(x)) for x in caseloads[c.pk][:PER_VIEWER]] for c in coaches])
    # A supervisor reads their team's clients' timelines (each coach's first).
    team_timelines = spread(
        [
            [
                (s, timeline(caseloads[c.pk][0]))
                for c in team_coaches.get(s.team_id, [])
                if caseloads.get(c.pk)
            ]
            for s in supervisors
        ]
    )
    details = spread(
        [[(s, coach_detail(c)) for c in team_coaches.get(s.team_id, [])] for s in supervisors]
    )
    saves = spread([[(c, note_draft(n)) for n in drafts.get(c.pk, [])] for c in coaches])
    return [
        Page(
            "coach home (caseload)", [get(c, home) for c in coaches], sample=(coaches[0], home, {})
        ),
        Page(
            "client timeline",
            [get(*pair) for pair in timelines],
            sample=(*timelines[0], {}),
        ),
        Page(
            "client timeline (supervisor)",
            [get(*pair) for pair in team_timelines],
            sample=(*team_timelines[0], {}),
        ),
        Page(
            "team dashboard",
            [get(s, dashboard) for s in supervisors],
            sample=(supervisors[0], dashboard, {}),
        ),
        Page(
            "all-teams dashboard (admin)",
            [get(a, dashboard) for a in admins],
            sample=(admins[0], dashboard, {}),
        ),
        Page("coach detail", [get(*pair) for pair in details], sample=(*details[0], {})),
        Page(
            "review queue", [get(s, queue) for s in supervisors], sample=(supervisors[0], queue, {})
        ),
        Page(
            "client home",
            [get(c, client_home) for c in viewers],
            sample=(viewers[0], client_home, {}),
        ),
        Page(
            "check-in submit",
            [load.Request(checkin_path, cookie(c), checkin) for c in posters[1:]],
            method="POST",
            status=302,
            sample=(posters[0], checkin_path, {"body": checkin}),
        ),
        Page(
            "note autosave",
            [load.Request(path, cookie(c), autosave) for c, path in saves[1:]],
            method="POST",
            refuse="Not saved",
            htmx=True,
            sample=(*saves[0], {"body": autosave, "htmx": True}),
        ),
    ], people


def _queries(page: Page) -> int:
    """SQL statements of one request of the page, in-process (the test
    client does not check CSRF), after a first request of that person."""
    user, path, options = page.sample
    client = signed_in_client(user)
    headers = {"HTTP_HX_REQUEST": "true"} if options.get("htmx") else {}
    client.get("/")  # the user session and idle clock, as a signed-in browser has them
    data = dict(parse_qsl(options["body"])) if "body" in options else {}
    reset_queries()  # the log keeps 9,000 statements: a full one captures none
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, page.method.lower())(path, data, **headers)
    if response.status_code != page.status:
        sys.exit(f"{page.method} {path} answered {response.status_code}, not {page.status}")
    return len(queries.captured_queries)


def _page_run(server, page: Page, meter: cpu.Meter) -> tuple[dict, dict, dict]:
    """wrk's closed-loop run of a page with each tier's CPU per request over
    it, then the open-loop run at OPEN_SHARE of the capacity wrk measured."""
    if not page.requests:
        sys.exit(f"make bench: no request for {page.name!r} in this organisation (BENCH_* sizes)")
    options = {"method": page.method, "status": page.status}
    options.update(refuse=page.refuse, htmx=page.htmx)
    # The warm-up takes the first requests of the list; the run, the rest.
    # A POST's person acts once: each run goes on past what the one before
    # sent (and what it may have had in flight when wrk stopped).
    warm = len(page.requests) // 4 if page.method == "POST" else len(page.requests)
    warmed = load.drive(server.base, page.requests[:warm], seconds=load.WARMUP, **options)
    rest = page.requests
    if page.method == "POST":
        rest = rest[warmed["requests"] + 4 * load.CONNECTIONS :]
    meter.start()
    figures = load.drive(server.base, rest, **options)
    spent = meter.ms_per(figures["requests"])
    if page.method == "POST":
        rest = rest[figures["requests"] + 4 * load.CONNECTIONS :] or rest
    open_loop = openloop.drive(
        server.base, rest, rate=report.OPEN_SHARE * figures["rps"], seconds=load.DURATION, **options
    )
    return figures, spent, open_loop


def _baseline_run(server, requests, meter) -> tuple[dict, dict]:
    """The in-stack baseline for one run: wrk's figures and, for beside(),
    its req/s with each tier's CPU per request."""
    load.drive(server.base, requests, seconds=load.WARMUP)
    meter.start()
    figures = load.drive(server.base, requests)
    if not figures["requests"]:
        sys.exit("make bench: the baseline answered no request (see the server's log above)")
    return figures, {"rps": figures["rps"], **meter.ms_per(figures["requests"])}


def _rows(server, pages, meter, baseline, before, bare_rps, scale) -> tuple[list[dict], dict]:
    """Each page's row, with the baseline (`baseline`: its requests) run
    again after each page: a page's share and CPU ratio are against the
    mean of the baseline runs just before (`before`: the first) and just
    after it (report.beside), not against one measured minutes earlier (the
    same code's CPU drifts by 20-35% over a run here). Returns the rows and
    the last baseline run."""
    rows = []
    for page in pages:
        figures, spent, open_loop = _page_run(server, page, meter)
        _, after = _baseline_run(server, baseline, meter)
        rows.append(
            report.page_row(
                page.name,
                page.method,
                figures,
                queries=_queries(page),
                cpu=spent,
                open_loop=open_loop,
                baseline=report.beside(before, after),
                bare_rps=bare_rps,
                scale=scale,
            )
        )
        before = after
    return rows, before


def _baseline_requests(pages: list[Page]) -> list[load.Request]:
    """The baseline's requests: the people of the staff's pages (the first
    six; each cookie once), each reading one team's row."""
    teams = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    cookies = [r.cookie for page in pages[:6] for r in page.requests]
    return [
        load.Request(reverse("bench_baseline", args=[teams[n % len(teams)]]), cookie)
        for n, cookie in enumerate(dict.fromkeys(cookies))
    ]


def measure(build_seconds: float) -> tuple[dict, dict]:
    """The references and every page at the organisation as built (1x);
    returns the report and each GET page's SQL-alone share."""
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
    pages, people = _pages(csrf)
    teams = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    bare = [load.Request(reverse("bench_bare", urlconf="bench.bare_urls", args=[t])) for t in teams]
    baseline = _baseline_requests(pages)
    print(
        f"\nLoad: wrk, {load.CONNECTIONS} connections, {load.WARMUP} s warm-up and "
        f"{load.DURATION} s per page, gunicorn {load.WORKERS} workers; then each page "
        f"open-loop at {report.OPEN_SHARE:.0%} of its req/s for {load.DURATION} s"
    )
    with load.serve("bench.bare_settings") as server:
        load.drive(server.base, bare, seconds=load.WARMUP)
        bare_figures = load.drive(server.base, bare)
        bare_rss = server.worker_rss_mb()
    with load.serve("bench.settings") as server:
        meter = cpu.Meter(web=server.process.pid, db=cpu.postmaster(connection))
        baseline_figures, first = _baseline_run(server, baseline, meter)
        if not bare_figures["requests"]:
            sys.exit("make bench: bare Django answered no request (see the server's log above)")
        result = {
            "bare_rps": round(bare_figures["rps"], 1),
            "baseline_rps": round(baseline_figures["rps"], 1),
            "baseline_web_cpu_ms": round(first["web"], 2),
            "baseline_db_cpu_ms": round(first["db"], 2),
            "build_seconds": {"1": round(build_seconds)},
        }
        result["pages"], last = _rows(
            server, pages, meter, baseline, first, result["bare_rps"], scale=1
        )
        # Each GET page's SQL alone, replayed for the same people (bench/floor.py).
        gets = [page for page in pages if page.method == "GET"]
        sql_only = {}
        for page, requests in zip(gets, floor.capture(gets, teams), strict=True):
            load.drive(server.base, requests, seconds=load.WARMUP)
            sql_only[page.name] = load.drive(server.base, requests)
        app_rss = server.worker_rss_mb()
    report.print_table(result, bare_figures, baseline_figures, sql_only, len(people), SIZES)
    print(
        "\nResident memory of each gunicorn worker after the run (MiB): "
        f"bare {', '.join(f'{m:.0f}' for m in bare_rss)}; "
        f"app {', '.join(f'{m:.0f}' for m in app_rss)}"
    )
    slowest = min((r for r in result["pages"] if r["method"] == "GET"), key=lambda r: r["rps"])
    page = next(p for p in pages if p.name == slowest["name"])
    profile_page(page.name, *page.sample[:2])
    floor.timings(gets, baseline)
    floor.explain(gets)
    # Against the baseline's last run (after the last page, before these).
    return result, {name: f["rps"] / last["rps"] for name, f in sql_only.items()}


def measure_scaled(result: dict, scale: int) -> None:
    """Builds the organisation `scale` times over in place of the first and
    adds each page's row again, with `"scale": scale`, to `result`."""
    wipe()
    result["build_seconds"][str(scale)] = round(build(scale))
    pages, people = _pages(secrets.token_hex(16))
    print(f"\nAt {scale}x: {len(people):,} people signed in")
    with load.serve("bench.settings") as server:
        meter = cpu.Meter(web=server.process.pid, db=cpu.postmaster(connection))
        baseline = _baseline_requests(pages)
        _, first = _baseline_run(server, baseline, meter)
        rows, _ = _rows(server, pages, meter, baseline, first, result["bare_rps"], scale)
    result["pages"] += rows
    # The statements' plans at this scale too (what a page that slows at
    # scale does there): one request of each GET page, captured again.
    gets = [page for page in pages if page.method == "GET"]
    floor.capture(gets, list(Team.objects.order_by("pk").values_list("pk", flat=True)), limit=1)
    floor.explain(gets, scale)
    for row in rows:
        print(
            f"  {row['name']:<32} {row['rps']:>7.0f} req/s ({row['of_baseline']:.0%} of the "
            f"baseline beside it)  {row['queries']:>2} statements  "
            f"web {row['web_cpu_ms']:.2f} ms  db {row['db_cpu_ms']:.2f} ms  "
            f"p95 open {row['p95_open_ms']:.0f} ms"
        )


if __name__ == "__main__":
    if Session.objects.exists() or CheckInRequest.objects.exists():
        sys.exit("bench/pages.py expects the empty database scripts/bench.sh creates")
    scale = int(os.environ.get("BENCH_SCALE", "1"))
    result, sql_alone = measure(build())
    if scale != 1:
        measure_scaled(result, scale)
    out = ROOT / ".run" / "bench-pages.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"\nsaved {out}")
    missed = report.check_targets(result, sql_alone)
    if missed:
        sys.exit(f"\nmake bench: {missed} target(s) not met (see above)")
