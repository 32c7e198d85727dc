"""Trust scores on pages: charts drawn as inline SVG on the server (no
third-party request), each with a table of the same numbers."""

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join

from coaching import selectors
from coaching.forms import FlagResolveForm
from coaching.models import TrustFlag

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
    points = _points(scores, 96, 28, 3)
    label = "Recent scores, oldest first: " + ", ".join(str(score) for score in scores)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return format_html(
        '<svg class="sparkline" width="96" height="28" viewBox="0 0 96 28" role="img" '
        'aria-label="{}"><polyline points="{}" fill="none" stroke="currentColor" '
        'stroke-width="2"/></svg>',
        label,
        line,
    )


@register.inclusion_tag("coaching/includes/trust_chart.html")
def trust_chart(checkins, caption: str):
    """The full trend: a line over 0-100 with the flag threshold marked."""
    scores = [checkin.score for checkin in checkins]
    points = _points(scores, _W, _H, _PAD) if scores else []
    threshold_y = _PAD + (100 - settings.TRUST_FLAG_SCORE_BELOW) * (_H - 2 * _PAD) / 100
    return {
        "checkins": checkins,
        "caption": caption,
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


@register.simple_tag
def trust_summaries_for(viewer, assignments):
    """Latest score, sparkline scores and open flag count per client."""
    return selectors.trust_summaries(viewer, [assignment.client_id for assignment in assignments])


@register.filter
def summary_of(summaries: dict, client_id: int) -> dict:
    return summaries.get(client_id, {})


@register.inclusion_tag("coaching/includes/trust_panel.html")
def trust_panel(client, viewer):
    """A client's recent trust trend, comments and flags, for their coach and
    supervisor. The newest few check-ins: the page costs the same after years;
    the supervisor's client history lists every one."""
    newest = (
        selectors.checkins_visible_to(viewer).filter(client=client).order_by("-created_at", "-pk")
    )
    checkins = list(reversed(newest[: settings.TRUST_PANEL_CHECKINS]))
    flags = list(selectors.flags_visible_to(viewer).filter(client=client)[:20])
    return {
        "checkins": checkins,
        "comments": [checkin for checkin in reversed(checkins) if checkin.comment],
        "flags": flags,
        "resolve_form": FlagResolveForm(),
        "Status": TrustFlag.Status,
    }


@register.inclusion_tag("coaching/includes/checkin_prompts.html")
def checkin_prompts(client):
    return {"requests": list(selectors.open_checkin_requests_of(client)[:3])}
