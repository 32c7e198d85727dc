"""The header's navigation ({% main_nav %}): for every role and on every
page that marks a link as the current one, the same links, labels and
aria-current as the template that printed it before (kept beside this
test), and it reaches the signed-in pages."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role, User
from accounts.templatetags.navigation import links_for, main_nav
from tests.helpers import sign_in

REFERENCE = engines["django"].from_string(
    (Path(__file__).parent / "header_nav_reference.html").read_text()
)
PAGES = [
    None,
    "client_home",
    "plan",
    "my_checkins",
    "my_consents",
    "my_accounting",
    "record_views",
    "my_record",
    "coach_home",
    "agenda",
    "team_dashboard",
    "team",
    "review_queue",
    "supervision",
    "record_requests",
    "audit_log",
    "manage",
    "billing",
    "claim_batch",
    "reminder_problems",
    "reminder_settings",
    "login_sessions",
    "feed_settings",
]


def _items(html: str) -> list[tuple[str, str, bool]]:
    return [
        (href, label, bool(current))
        for href, current, label in re.findall(
            r'<li><a href="([^"]+)"\s*( aria-current="page")?\s*>([^<]+)</a></li>', html
        )
    ]


@pytest.mark.parametrize("role", [Role.CLIENT, Role.COACH, Role.SUPERVISOR, Role.ADMIN])
def test_each_role_gets_the_links_the_template_printed(role):
    user = User(role=role)
    for page in PAGES:
        request = RequestFactory().get("/")
        request.resolver_match = SimpleNamespace(url_name=page) if page else None
        expected = _items(REFERENCE.render({"user": user, "request": request}))
        found = _items(main_nav({"user": user, "request": request}))
        assert found == expected, (role, page)
        assert len(found) == len(links_for(role)) >= 4
        assert sum(current for *_, current in found) == (
            page in {n for *_, now in links_for(role) for n in now}
        )


@pytest.mark.django_db
def test_the_signed_in_page_marks_itself_in_the_header(client, coach):
    sign_in(client, coach)
    html = client.get(reverse("coaching:coach_home")).content.decode()
    nav = html[html.index('<nav aria-label="Main">') :]
    assert f'<a href="{reverse("coaching:coach_home")}" aria-current="page">My caseload</a>' in nav
    assert f'<a href="{reverse("sessions_log:agenda")}">Agenda</a>' in nav
    assert "Team dashboard" not in nav and "My sessions" not in nav
