from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.models import Team


@require_GET
@login_required
def baseline(request, pk):
    """The benchmark's ceiling: one row by primary key, a small template,
    the full middleware stack, signed in."""
    team = get_object_or_404(Team, pk=pk)
    return render(request, "bench/baseline.html", {"team": team})
