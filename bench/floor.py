"""What bounds each GET page of `make bench`: the SQL it runs.

Two measures, both printed by `make bench`:

- in-process, one request at a time, 20 of the page's requests: the wall
  time of a request and of its SQL statements (round trips included),
  beside the baseline's (`timings`);
- under the same load as the pages, the **page's SQL alone**: each of the
  page's requests (up to 1,000, each another person's or record's) is made
  once in-process and the statements it ran beyond the session's are kept
  (`capture`: each with its parameters, and whether it ran prepared on
  the server, `prepared_cursor`, so that it is replayed the same way,
  its plan kept); `bench.views.sql_only` then answers as the baseline does
  plus replaying one request's statements, and wrk drives it with the same
  people's cookies. Its share of the baseline is what the page would reach
  if all its own Python cost nothing."""

import pickle
import time

from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from bench import load

# Pickled: the parameters keep their types (psycopg's Int8, aware datetimes).
CAPTURED = load.ROOT / ".run" / "bench-sql.pickle"
CAPTURE_LIMIT = 1000
# The stack's own statements (the session row, with the sessions page's
# address, browser and last active), which the baseline runs too.
_STACK_TABLES = ("accounts_loginsession",)


def capture(pages, teams: list[int], limit: int = CAPTURE_LIMIT) -> list[list[load.Request]]:
    """Runs each GET page's requests (the first `limit`) in-process, keeps
    their statements in CAPTURED, and returns for each page the requests of
    its SQL-only reference (the same cookies, in the same order)."""
    client, captured, lists = Client(), {}, []
    for index, page in enumerate(pages):
        statements, requests = [], []
        for n, request in enumerate(page.requests[:limit]):
            # The log keeps the last 9,000 statements: once full, a capture
            # would see none.
            ran = []
            with connection.execute_wrapper(_recorder(ran)):
                response = client.get(request.path, HTTP_COOKIE=request.cookie)
            if response.status_code != 200:
                raise SystemExit(f"GET {request.path} answered {response.status_code}")
            statements.append(
                [row for row in ran if not any(table in row[0] for table in _STACK_TABLES)]
            )
            path = reverse("bench_sql_only", args=[teams[n % len(teams)], index, n])
            requests.append(load.Request(path, request.cookie))
        captured[str(index)] = statements
        lists.append(requests)
    CAPTURED.write_bytes(pickle.dumps(captured))
    return lists


def _recorder(ran: list):
    """An execute wrapper keeping (sql, params, prepared) of each statement."""

    def record(execute, sql, params, many, context):
        prepared = getattr(context["cursor"].cursor, "prepares", False)
        ran.append((sql, params, prepared))
        return execute(sql, params, many, context)

    return record


def replay(statements) -> None:
    """Runs captured statements as they ran (bench.views.sql_only)."""
    for sql, params, prepared in statements:
        cursor = connection.prepared_cursor() if prepared else connection.cursor()
        with cursor:
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()


EXPLAINED = load.ROOT / ".run" / "bench-explain.txt"


def explained(scale: int):
    """Where the EXPLAINs of a scale's run go: .run/bench-explain.txt at
    1x, .run/bench-explain-10x.txt at 10x."""
    return EXPLAINED if scale == 1 else EXPLAINED.with_name(f"bench-explain-{scale}x.txt")


def explain(pages, scale: int = 1) -> None:
    """Writes EXPLAIN (ANALYZE, BUFFERS) of each statement one request of
    each GET page ran (its first captured request: the statements kept in
    CAPTURED), each in a transaction rolled back (the audit row's INSERT
    too), to EXPLAINED; prints each page's planning and execution time
    and shared buffers. The values are bound into the text, so PostgreSQL
    shows the plan it makes for them (a prepared statement's generic plan
    is what the pages' statements are shaped to make the same)."""
    captured = pickle.loads(CAPTURED.read_bytes())  # noqa: S301 - our own file
    lines = []
    out = explained(scale)
    print(
        f"\nEach GET page's statements at {scale}x, EXPLAIN ANALYZE (one request; .run/{out.name}):"
    )
    for index, page in enumerate(pages):
        statements = captured[str(index)][0]
        lines.append(f"## {page.name}: {len(statements)} statements beyond the session's")
        planning = execution = buffers = 0.0
        for sql, params, _ in statements:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = [row[0] for row in cursor.fetchall()]
                transaction.set_rollback(True)
            lines += ["", " ".join(sql.split())[:160] + " ...", *plan, ""]
            for line in plan:
                if line.startswith("Planning Time:"):
                    planning += float(line.split()[2])
                elif line.startswith("Execution Time:"):
                    execution += float(line.split()[2])
            top = next((line for line in plan if "Buffers: shared" in line), "")
            buffers += sum(int(part.split("=")[1]) for part in top.split()[1:] if "=" in part)
        print(
            f"  {page.name:<32} planning {planning:6.2f} ms  execution {execution:6.2f} ms  "
            f"buffers {buffers:>8,.0f}"
        )
    out.write_text("\n".join(lines))


def timings(pages, baseline, people: int = 20) -> None:
    """Prints, in-process, one request at a time: each GET page's and the
    baseline's request time and SQL time (ms), over `people` requests of
    its list."""

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
        ms, sql_ms = timed(page.requests)
        rows.append({"name": page.name, "ms": ms, "sql_ms": sql_ms, "share": base_ms / ms})
    print(
        f"\nEach GET page in-process (one request at a time, {people} people each):"
        f"\n{'page':<34} {'request ms':>10} {'SQL ms':>7} {'share':>6}"
    )
    for row in rows:
        share = f"{row['share']:.0%}" if "share" in row else ""
        print(f"{row['name']:<34} {row['ms']:>10.1f} {row['sql_ms']:>7.1f} {share:>6}")
