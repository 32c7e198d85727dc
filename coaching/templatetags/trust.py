"""Trust scores on pages: charts drawn as inline SVG on the server (no
third-party request), each with a table of the same numbers. Drawing only:
the views hand the scores over, no tag here reads the database."""

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from common.fastpaths import day_month_year

register = template.Library()

_W, _H, _PAD = 600, 180, 28


def _points(
    scores: list[int], width: float, height: float, pad: float
) -> list[tuple[float, float]]:
    if len(scores) == 1:
        return [(width / 2, pad + (100 - scores[0]) * (height - 2 * pad) / 100)]
    step = (width - 2 * pad) / (len(scores) - 1)
    return [
        (pad + index * step, pad + (100 - score) * (height - 2 * pad) / 100)
        for index, score in enumerate(scores)
    ]


@register.simple_tag
def sparkline(scores: list[int]):
    """A small trend line; its label carries the numbers for screen readers."""
    if not scores:
        return ""
    # Numbers only (int() and float formats): nothing to escape, so no
    # format_html, which cost a long table more than drawing did.
    scores = [int(score) for score in scores]
    points = _points(scores, 96, 28, 3)
    label = ", ".join(map(str, scores))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return mark_safe(  # noqa: S308 - numbers only
        '<svg class="sparkline" width="96" height="28" viewBox="0 0 96 28" role="img" '
        f'aria-label="Recent scores, oldest first: {label}"><polyline points="{line}" '
        'fill="none" stroke="currentColor" stroke-width="2"/></svg>'
    )


def _answers(checkin) -> list[tuple[str, int]]:
    # A CheckIn's answers() is a method; a page's plain row holds the list.
    answers = checkin.answers
    return answers() if callable(answers) else answers


@register.inclusion_tag("coaching/includes/trust_chart.html")
def trust_chart(checkins, caption: str):
    """The full trend: a line over 0-100 with the flag threshold marked, and
    the table of the same numbers. The table's rows are made here as one
    string (escaped): through the template engine, its cells were half of
    the client timeline's rendering."""
    scores = [checkin.score for checkin in checkins]
    points = _points(scores, _W, _H, _PAD) if scores else []
    threshold_y = _PAD + (100 - settings.TRUST_FLAG_SCORE_BELOW) * (_H - 2 * _PAD) / 100
    zone = timezone.get_current_timezone()
    return {
        "checkins": checkins,
        "caption": caption,
        "scores": ", ".join(str(score) for score in scores),
        "labels": [label for label, _ in _answers(checkins[0])] if scores else [],
        # Dates and whole numbers only: nothing to escape (int() makes sure).
        "rows": mark_safe(  # noqa: S308
            "\n".join(
                f"<tr><td>{day_month_year(checkin.created_at.astimezone(zone))}</td>"
                f"<td>{int(checkin.score)}</td>"
                + "".join(f"<td>{int(value)}</td>" for _, value in _answers(checkin))
                + "</tr>"
                for checkin in checkins
            )
        ),
        "width": _W,
        "height": _H,
        "polyline": " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
        "dots": format_html_join(
            "", '<circle cx="{}" cy="{}" r="4"/>', ((f"{x:.1f}", f"{y:.1f}") for x, y in points)
        ),
        "threshold": settings.TRUST_FLAG_SCORE_BELOW,
        "threshold_y": threshold_y,
        "top_y": _PAD,
        "bottom_y": _H - _PAD,
        "right_x": _W - _PAD,
        "pad": _PAD,
    }
