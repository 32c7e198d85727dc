"""What the pages that show several apps' data put together: the coach's
home, the client's home and a client's page. Each piece comes from the
selectors of the app that owns it; the views hand the templates the result."""

from django.conf import settings

from accounts.models import User
from coaching.selectors.trust import (
    checkins_visible_to,
    flags_visible_to,
    open_checkin_requests_of,
)

# Check-ins a client is asked for, on their pages.
PROMPTS_SHOWN = 3


def checkin_prompts(client: User) -> list:
    return list(open_checkin_requests_of(client)[:PROMPTS_SHOWN])


def trust_panel(viewer: User, client: User) -> dict:
    """A client's recent trust trend, comments and flags, for their coach and
    supervisor. The newest few check-ins: the page costs the same after years;
    the supervisor's client history lists every one."""
    newest = checkins_visible_to(viewer).filter(client=client).order_by("-created_at", "-pk")
    checkins = list(reversed(newest[: settings.TRUST_PANEL_CHECKINS]))
    return {
        "checkins": checkins,
        "comments": [checkin for checkin in reversed(checkins) if checkin.comment],
        "flags": list(flags_visible_to(viewer).filter(client=client)[:20]),
    }
