"""Every sessions_log URL walks the ladder: anonymous -> login, wrong role ->
403, someone else's record -> 404, the right person -> success."""

from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from sessions_log import services
from tests.conftest import make_user
from tests.helpers import sign_in

# name -> (method, roles allowed, object the URL takes: None, "session", "note", "client")
LADDER = {
    "my_sessions": ("get", {"client"}, None),
    "agenda": ("get", {"coach"}, None),
    "session_new": ("get", {"coach"}, None),
    "contact_log": ("get", {"coach"}, None),
    "review_queue": ("get", {"supervisor"}, None),
    "feed_settings": ("get", {"client", "coach"}, None),
    "session_detail": ("get", {"coach", "supervisor"}, "session"),
    "session_ics": ("get", {"client", "coach"}, "session"),
    "client_timeline": ("get", {"coach", "supervisor"}, "client"),
    "session_close": ("post", {"coach"}, "session"),
    "session_cancel": ("post", {"coach"}, "session"),
    "session_reschedule": ("post", {"coach"}, "session"),
    "note_open": ("post", {"coach"}, "session"),
    "note_draft": ("post", {"coach"}, "note"),
    "note_sign": ("post", {"coach"}, "note"),
    "addendum_add": ("post", {"coach"}, "note"),
    "note_review": ("post", {"supervisor"}, "note"),
    "reminder_settings": ("get", {"client", "coach"}, None),
    "reminder_problems": ("get", {"admin"}, None),
}
# Their token is the credential: the private feed (tested in test_calendar) and
# the unsubscribe link (test_reminders).
PUBLIC = {"feed", "reminder_unsubscribe"}


def test_every_sessions_log_url_is_on_the_ladder():
    names = {
        pattern.name
        for pattern in get_resolver().url_patterns
        if getattr(pattern, "namespace", None) == "sessions_log"
        for pattern in pattern.url_patterns
    }
    assert names == set(LADDER) | PUBLIC


@pytest.fixture
def world(coach, client_user, supervisor, admin_user, other_coach, other_client, other_team):
    session = services.contact_log(
        actor=coach,
        client=client_user,
        started_at=timezone.now() - timedelta(hours=3),
        duration=timedelta(minutes=30),
        modality="phone",
    )
    note = services.note_open(actor=coach, session=session)
    return {
        "objects": {"session": session.pk, "note": note.pk, "client": client_user.pk},
        "people": {
            "client": client_user,
            "coach": coach,
            "supervisor": supervisor,
            "admin": admin_user,
        },
        "outsiders": {
            "coach": other_coach,
            "supervisor": make_user("pat@example.org", "supervisor", team=other_team),
            "client": other_client,
        },
    }


def _call(client, name, method, world, kind):
    args = [world["objects"][kind]] if kind else []
    url = reverse(f"sessions_log:{name}", args=args)
    return getattr(client, method)(url)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(LADDER))
def test_the_ladder(client, world, name):
    method, allowed, kind = LADDER[name]
    response = _call(client, name, method, world, kind)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    for role, person in world["people"].items():
        sign_in(client, person)
        response = _call(client, name, method, world, kind)
        if role not in allowed:
            assert response.status_code == 403, (name, role)
        else:
            # Allowed in: a page, or a form answer (redirect or a 400 for the empty post).
            assert response.status_code in (200, 302, 400), (name, role, response.status_code)

    if kind:
        for role in allowed:
            sign_in(client, world["outsiders"][role])
            assert _call(client, name, method, world, kind).status_code == 404, (name, role)
