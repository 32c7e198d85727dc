import pickle

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from bench import floor
from bench.models import TeamRow


@require_GET
@login_required
def baseline(request, pk):
    """The in-stack reference: one row by primary key, rendered inside the
    shared layout every page pays (base.html: header, navigation, footer),
    the full middleware stack, signed in."""
    team = get_object_or_404(TeamRow, pk=pk)
    return render(request, "bench/layout_baseline.html", {"team": team})


@require_GET
def bare(request, pk):
    """The bare-Django reference (bench.bare_settings): the same row in a
    small template of its own, nothing else."""
    team = get_object_or_404(TeamRow, pk=pk)
    return render(request, "bench/baseline.html", {"team": team})


# The statements captured from the everyday pages (bench/floor.py), read
# once per gunicorn worker.
_captured: dict[str, list[list[tuple]]] = {}


@require_GET
@login_required
def sql_only(request, pk, page, n):
    """The baseline plus the SQL of one request of a page (captured for
    that person and record), replayed statement by statement: what the
    page would cost if its own Python cost nothing."""
    if not _captured:
        _captured.update(pickle.loads(floor.CAPTURED.read_bytes()))  # noqa: S301 - our own file
    team = get_object_or_404(TeamRow, pk=pk)
    floor.replay(_captured[str(page)][n])
    return render(request, "bench/layout_baseline.html", {"team": team})
