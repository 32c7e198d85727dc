from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from bench.models import TeamRow


@require_GET
@login_required
def baseline(request, pk):
    """The in-stack reference: one row by primary key, a small template,
    the full middleware stack, signed in."""
    team = get_object_or_404(TeamRow, pk=pk)
    return render(request, "bench/baseline.html", {"team": team})


@require_GET
def bare(request, pk):
    """The bare-Django reference (bench.bare_settings): the same row and
    template, nothing else."""
    team = get_object_or_404(TeamRow, pk=pk)
    return render(request, "bench/baseline.html", {"team": team})
