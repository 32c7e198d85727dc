"""What limits a page: `make bench` profiles its slowest GET page in-process,
the call tree through our code (pyinstrument) and where a request's time
goes by layer (cProfile)."""

import cProfile
import pstats
import time

from django.db import connection
from django.test import Client
from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer

from accounts.models import User
from bench.signin import signed_in_client


def profile_page(label: str, user: User, path: str, requests: int = 30) -> None:
    client = signed_in_client(user)
    client.get(path)  # warm: the user session, the compiled templates
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(requests):
            client.get(path)
    print(f"\nProfile of the slowest GET page, {label} ({path}), {requests} requests in-process:")
    # The call tree through our own code; Django's and the drivers' frames
    # are folded into the line that called them.
    renderer = ConsoleRenderer(unicode=False, color=False, show_all=False, short_mode=True)
    print("\n".join(profiler.output(renderer).splitlines()[:70]))
    _where_time_goes(client, path, requests)


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


def database_floor(pages, baseline, people: int = 20) -> list[dict]:
    """What each GET page could reach if its own Python cost nothing.

    In-process, one request at a time, `people` requests from the page's
    list (each another person's): the wall time of a request and of its SQL
    statements (round trips included). A page can cost no less than the
    baseline's whole request plus the SQL it runs beyond the baseline's, so
    `best` = baseline / (baseline + extra SQL) is the share of the baseline
    it would reach with nothing else to do: under the target, the target is
    out of reach until that page's SQL gets cheaper."""

    def timed(requests):
        client, sql, whole = Client(), [0.0], 0.0

        def wrapper(execute, query, params, many, context):
            start = time.perf_counter()
            try:
                return execute(query, params, many, context)
            finally:
                sql[0] += time.perf_counter() - start

        requests = requests[:people]
        for request in requests:  # warm: compiled templates, idle clocks
            client.get(request.path, HTTP_COOKIE=request.cookie)
        with connection.execute_wrapper(wrapper):
            for request in requests:
                start = time.perf_counter()
                response = client.get(request.path, HTTP_COOKIE=request.cookie)
                whole += time.perf_counter() - start
                if response.status_code != 200:
                    raise SystemExit(f"GET {request.path} answered {response.status_code}")
        return whole * 1000 / len(requests), sql[0] * 1000 / len(requests)

    base_ms, base_sql = timed(baseline)
    rows = [{"name": "in-stack baseline", "ms": base_ms, "sql_ms": base_sql}]
    for page in pages:
        if page.method != "GET":
            continue
        ms, sql_ms = timed(page.requests)
        best = base_ms / (base_ms + max(0.0, sql_ms - base_sql))
        rows.append(
            {"name": page.name, "ms": ms, "sql_ms": sql_ms, "share": base_ms / ms, "best": best}
        )
    print(
        f"\nWhat bounds each GET page (in-process, one request at a time, {people} people each):"
        f"\n{'page':<34} {'request ms':>10} {'SQL ms':>7} {'share':>6} {'best':>6}"
    )
    for row in rows:
        share = f"{row['share']:.0%}" if "share" in row else ""
        best = f"{row['best']:.0%}" if "best" in row else ""
        print(f"{row['name']:<34} {row['ms']:>10.1f} {row['sql_ms']:>7.1f} {share:>6} {best:>6}")
    print(
        "share: the baseline's time over the page's; best: that share if the page's own\n"
        "Python cost nothing (its extra SQL only)."
    )
    return rows
