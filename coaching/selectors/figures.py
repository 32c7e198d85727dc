"""Reading the figures kept for pages that sum history
(coaching/models/figures.py, kept by coaching/services/figures.py): what the
team dashboard and a coach's page could read instead of counting sessions
and check-ins. Figures only, no client: the caller scopes the coaches."""

from datetime import date

from django.db.models import Sum

from coaching.models import CoachDayFigures

FIGURES = ("completed", "no_shows", "checkins", "checkin_score_sum")


def figures_for_coaches(coach_ids: list[int], since: date, until: date) -> dict[int, dict]:
    """Per coach in `coach_ids`, the sums over the days `since` to `until`
    (both included, the organisation's calendar): sessions completed and
    no-shows (by the day they started), check-ins and their score sum (by
    the day they were made; their mean is the sum over the count). Every
    coach asked for has a row, zeros when nothing happened. One grouped
    query on (coach, day)."""
    found = {pk: dict.fromkeys(FIGURES, 0) for pk in coach_ids}
    rows = (
        CoachDayFigures.objects.filter(coach_id__in=coach_ids, day__gte=since, day__lte=until)
        .order_by()
        .values("coach_id")
        .annotate(**{name: Sum(name) for name in FIGURES})
    )
    for row in rows:
        found[row.pop("coach_id")] = row
    return found
