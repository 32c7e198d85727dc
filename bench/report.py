"""`make bench`'s report: each page's row of .run/bench-pages.json, the
printed table and the targets of issue 30, each printed with its figure."""

# The targets (issue 30): shares of the references, CPU per tier, open-loop
# latency, errors, statements, and the same at ten times the organisation.
BASELINE_OF_BARE = 0.50
GET_OF_BASELINE, POST_OF_BASELINE = 0.35, 0.25
MAX_STATEMENTS = 6
GET_DB_CPU_MS = 1.5
GET_WEB_CPU_OF_BASELINE = 2.5
GET_P95_OPEN_MS = 100
SCALE_KEEPS = 0.8
# The open-loop run offers this share of the page's measured capacity.
OPEN_SHARE = 0.6


def beside(before: dict, after: dict) -> dict:
    """The baseline beside a page: the mean of its runs just before and just
    after the page's (req/s, web and PostgreSQL CPU per request), so that
    the machine's drift over the run cancels out of the page's shares."""
    return {key: (before[key] + after[key]) / 2 for key in ("rps", "web", "db")}


def page_row(name, method, figures, *, queries, cpu, open_loop, baseline, bare_rps, scale):
    """One page's entry: wrk's closed-loop figures, the statements of one
    request, CPU per request by tier (ms), the open-loop p95, and the
    baseline measured beside it (`baseline`: beside()) that its share and
    its web CPU ratio are taken against."""
    return {
        "name": name,
        "method": method,
        "scale": scale,
        "rps": round(figures["rps"], 1),
        "p50_ms": round(figures["p50"], 1),
        "p95_ms": round(figures["p95"], 1),
        "p99_ms": round(figures["p99"], 1),
        "errors": figures["errors"] + open_loop["errors"],
        "queries": queries,
        "baseline_rps": round(baseline["rps"], 1),
        "baseline_web_cpu_ms": round(baseline["web"], 2),
        "baseline_db_cpu_ms": round(baseline["db"], 2),
        "of_baseline": round(figures["rps"] / baseline["rps"], 3),
        "of_bare": round(figures["rps"] / bare_rps, 3),
        "web_cpu_ms": round(cpu["web"], 2),
        "db_cpu_ms": round(cpu["db"], 2),
        "open_rps": round(open_loop["offered_rps"], 1),
        "p95_open_ms": round(open_loop["p95"], 1),
    }


def check_targets(report: dict, sql_alone: dict) -> int:
    """Prints each target with its figure (and, for a GET page, the share
    its SQL alone reached); returns how many were missed."""
    checks = [
        (
            f"in-stack baseline >= {BASELINE_OF_BARE:.0%} of bare Django",
            report["baseline_rps"] / report["bare_rps"] >= BASELINE_OF_BARE,
            f"{report['baseline_rps'] / report['bare_rps']:.0%}",
        )
    ]
    first = {row["name"]: row for row in report["pages"] if row.get("scale", 1) == 1}
    for row in report["pages"]:
        scale = row.get("scale", 1)
        label = row["name"] if scale == 1 else f"{row['name']} at {scale}x"
        get = row["method"] == "GET"
        share = GET_OF_BASELINE if get else POST_OF_BASELINE
        alone = sql_alone.get(row["name"]) if scale == 1 else None
        checks.append(
            (
                f"{label}: >= {share:.0%} of the baseline",
                row["of_baseline"] >= share,
                f"{row['of_baseline']:.0%}" + (f" (its SQL alone: {alone:.0%})" if alone else ""),
            )
        )
        if get:
            # Against the baseline measured beside this page (its runs just
            # before and after it).
            base_web = row["baseline_web_cpu_ms"]
            checks += [
                (
                    f"{label}: PostgreSQL CPU <= {GET_DB_CPU_MS} ms",
                    row["db_cpu_ms"] <= GET_DB_CPU_MS,
                    f"{row['db_cpu_ms']:.2f} ms",
                ),
                (
                    f"{label}: web CPU <= {GET_WEB_CPU_OF_BASELINE}x the baseline's",
                    row["web_cpu_ms"] <= GET_WEB_CPU_OF_BASELINE * base_web,
                    f"{row['web_cpu_ms']:.2f} ms ({row['web_cpu_ms'] / base_web:.1f}x)",
                ),
                (
                    f"{label}: p95 open-loop <= {GET_P95_OPEN_MS} ms",
                    row["p95_open_ms"] <= GET_P95_OPEN_MS,
                    f"{row['p95_open_ms']:.0f} ms at {row['open_rps']:.0f}/s",
                ),
            ]
        checks.append((f"{label}: no errors", row["errors"] == 0, str(row["errors"])))
        checks.append(
            (
                f"{label}: <= {MAX_STATEMENTS} statements",
                row["queries"] <= MAX_STATEMENTS,
                str(row["queries"]),
            )
        )
        if scale != 1 and row["name"] in first:
            kept = row["rps"] / first[row["name"]]["rps"]
            # Judged on req/s as the target says; printed beside it, the
            # same against the baseline measured beside each page: the
            # machine's own drift between the two scales taken out (the
            # baseline reads no organisation-sized data).
            drift_free = row["of_baseline"] / first[row["name"]]["of_baseline"]
            target = f"{label}: >= {SCALE_KEEPS:.0%} of its 1x req/s"
            checks.append(
                (
                    target,
                    kept >= SCALE_KEEPS,
                    f"{kept:.0%} (against the baseline beside each: {drift_free:.0%})",
                )
            )
    print("\nTargets:")
    for label, met, figure in checks:
        print(f"  {'met    ' if met else 'MISSED '} {label:<60} {figure}")
    return sum(not met for _, met, _ in checks)


def figures_row(figures: dict) -> dict:
    return {
        "rps": figures["rps"],
        "p50_ms": figures["p50"],
        "p95_ms": figures["p95"],
        "p99_ms": figures["p99"],
        "errors": figures["errors"],
    }


def print_table(report, bare, baseline, sql_only, signed_in, sizes) -> None:
    print(f"\n{signed_in:,} people signed in; {sizes}")
    print(
        f"\n{'page':<34} {'method':>6} {'scale':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6} {'queries':>7} {'of base':>7} {'of bare':>7} "
        f"{'web ms':>6} {'db ms':>6} {'open/s':>6} {'p95 open':>8}"
    )
    rows = [
        {"name": "bare Django (one row, template)", "method": "GET", **figures_row(bare)},
        {
            "name": "in-stack baseline (layout)",
            "method": "GET",
            **figures_row(baseline),
            "web_cpu_ms": report["baseline_web_cpu_ms"],
            "db_cpu_ms": report["baseline_db_cpu_ms"],
        },
    ]
    for page in report["pages"]:
        rows.append(page)
        if page.get("scale", 1) == 1 and page["name"] in sql_only:
            figures = figures_row(sql_only[page["name"]])
            rows.append({"name": "  its SQL alone", "method": "GET", **figures})

    def cell(row, key, width, spec):
        return f"{row[key]:>{width}{spec}}" if key in row else f"{'-':>{width}}"

    for row in rows:
        print(
            f"{row['name']:<34} {row['method']:>6} {row.get('scale', ''):>5} {row['rps']:>7.0f} "
            f"{row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} {row['p99_ms']:>7.1f} "
            f"{row['errors']:>6} {row.get('queries', '-'):>7} "
            f"{row['rps'] / row.get('baseline_rps', report['baseline_rps']):>7.0%} "
            f"{row['rps'] / report['bare_rps']:>7.0%} "
            f"{cell(row, 'web_cpu_ms', 6, '.2f')} {cell(row, 'db_cpu_ms', 6, '.2f')} "
            f"{cell(row, 'open_rps', 6, '.0f')} {cell(row, 'p95_open_ms', 8, '.1f')}"
        )
