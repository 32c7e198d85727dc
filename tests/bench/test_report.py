"""bench/report.py: the keys of .run/bench-pages.json and the targets of
issue 30 that `make bench` checks."""

import copy

import pytest

from bench import report

FIGURES = {"rps": 400.0, "p50": 20.0, "p95": 30.0, "p99": 40.0, "errors": 0, "requests": 4000}
OPEN = {"offered_rps": 240.0, "p95": 45.0, "errors": 0}


def _row(name="coach home (caseload)", method="GET", scale=1, **changes):
    figures = {**FIGURES, **changes.pop("figures", {})}
    row = report.page_row(
        name,
        method,
        figures,
        queries=changes.pop("queries", 4),
        cpu=changes.pop("cpu", {"web": 4.0, "db": 1.0}),
        open_loop={**OPEN, **changes.pop("open_loop", {})},
        baseline=changes.pop("baseline", {"rps": 1000.0, "web": 2.0, "db": 0.3}),
        bare_rps=1800.0,
        scale=scale,
    )
    return row


def _report(*rows):
    return {
        "bare_rps": 1800.0,
        "baseline_rps": 1000.0,
        "baseline_web_cpu_ms": 2.0,
        "baseline_db_cpu_ms": 0.3,
        "pages": list(rows) or [_row(), _row("check-in submit", "POST")],
    }


def test_each_page_carries_its_cpu_by_tier_and_its_open_loop_p95():
    row = _row()
    assert {"web_cpu_ms", "db_cpu_ms", "p95_open_ms", "scale", "rps", "queries"} <= set(row)
    assert (row["web_cpu_ms"], row["db_cpu_ms"], row["p95_open_ms"]) == (4.0, 1.0, 45.0)
    assert row["of_baseline"] == 0.4


def test_the_baseline_beside_a_page_is_the_mean_of_its_runs_before_and_after():
    before = {"rps": 1100.0, "web": 1.8, "db": 0.3}
    after = {"rps": 900.0, "web": 2.2, "db": 0.5}
    assert report.beside(before, after) == pytest.approx({"rps": 1000.0, "web": 2.0, "db": 0.4})


def test_a_pages_share_and_cpu_ratio_are_against_the_baseline_beside_it(capsys):
    # The run's first baseline (1000 req/s, 2.0 ms) would pass this page; the
    # one measured beside it, on a faster minute of the machine, does not.
    faster = {"rps": 1200.0, "web": 1.5, "db": 0.3}
    row = _row(baseline=faster)
    assert (row["of_baseline"], row["baseline_rps"], row["baseline_web_cpu_ms"]) == (
        0.333,
        1200.0,
        1.5,
    )
    assert report.check_targets(_report(row), {}) == 2
    missed = [line for line in capsys.readouterr().out.splitlines() if "MISSED" in line]
    assert ">= 35% of the baseline" in missed[0] and "33%" in missed[0]
    assert "web CPU <= 2.5x the baseline's" in missed[1] and "(2.7x)" in missed[1]


def test_open_loop_errors_count_with_the_closed_loop_ones():
    assert _row(open_loop={"errors": 3}, figures={"errors": 2})["errors"] == 5


def test_a_run_meeting_every_target_misses_none(capsys):
    assert report.check_targets(_report(), {}) == 0
    assert "MISSED" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("changes", "target"),
    [
        ({"cpu": {"web": 4.0, "db": 1.6}}, "PostgreSQL CPU <= 1.5 ms"),
        ({"cpu": {"web": 5.1, "db": 1.0}}, "web CPU <= 2.5x the baseline's"),
        ({"open_loop": {"p95": 101.0}}, "p95 open-loop <= 100 ms"),
        ({"queries": 7}, "<= 6 statements"),
        ({"figures": {"rps": 340.0}}, ">= 35% of the baseline"),
        ({"figures": {"errors": 1}}, "no errors"),
    ],
)
def test_each_get_target_is_checked(capsys, changes, target):
    assert report.check_targets(_report(_row(**changes)), {}) == 1
    missed = [line for line in capsys.readouterr().out.splitlines() if "MISSED" in line]
    assert len(missed) == 1
    assert target in missed[0]


def test_a_post_needs_a_quarter_of_the_baseline_and_no_cpu_budget(capsys):
    post = _row("check-in submit", "POST", figures={"rps": 260.0}, cpu={"web": 9.0, "db": 3.0})
    assert report.check_targets(_report(post), {}) == 0
    too_slow = _row("check-in submit", "POST", figures={"rps": 240.0})
    assert report.check_targets(_report(too_slow), {}) == 1


def test_the_baseline_needs_half_of_bare_django(capsys):
    run = _report()
    run["bare_rps"] = 2100.0
    assert report.check_targets(run, {}) == 1
    assert "MISSED  in-stack baseline >= 50% of bare Django" in capsys.readouterr().out


def test_at_ten_times_the_organisation_a_page_keeps_four_fifths_of_its_rate(capsys):
    kept = _row(scale=10, figures={"rps": 360.0})
    assert report.check_targets(_report(_row(), kept), {}) == 0
    lost = _row(scale=10, figures={"rps": 310.0})  # 78% of 400, and 31% of the baseline
    assert report.check_targets(_report(_row(), copy.deepcopy(lost)), {}) == 2
    out = capsys.readouterr().out
    assert "MISSED  coach home (caseload) at 10x: >= 80% of its 1x req/s" in out


def test_at_ten_times_the_rate_kept_is_also_printed_against_the_baseline_beside_each(capsys):
    """A machine that slowed between the two scales (its baseline beside
    the 10x page at 80% of the one beside the 1x page) misses the req/s
    target as the issue states it; the report also says what the page kept
    once that drift is taken out."""
    slowed = _row(scale=10, figures={"rps": 300.0}, baseline={"rps": 800.0, "web": 2.0, "db": 0.3})
    report.check_targets(_report(_row(), slowed), {})
    out = capsys.readouterr().out
    assert (
        "MISSED  coach home (caseload) at 10x: >= 80% of its 1x req/s"
        "         75% (against the baseline beside each: 94%)"
    ) in out
