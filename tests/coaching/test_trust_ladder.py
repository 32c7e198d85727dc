"""Every trust URL walks the ladder: anonymous -> login, wrong role -> 403,
someone else's record -> 404, the right person -> success."""

import pytest
from django.urls import get_resolver, reverse

from coaching import services
from coaching.models import SupervisorRequest, TrustFlag
from tests.coaching.test_checkins import _requested
from tests.conftest import make_user
from tests.helpers import sign_in

LOW = {"heard": 6, "safe": 5, "focus": 7, "trust": 6, "helping": 6}

# name -> (method, roles allowed, object the URL takes: None, "flag", "request")
LADDER = {
    "my_checkins": ("get", {"client"}, None),
    "checkin_new": ("get", {"client"}, None),
    "flag_acknowledge": ("post", {"coach", "supervisor"}, "flag"),
    "flag_resolve": ("post", {"coach", "supervisor"}, "flag"),
    "supervision": ("get", {"supervisor"}, None),
    "supervisor_request_handle": ("post", {"supervisor"}, "request"),
}
PUBLIC = {"checkin_by_link"}  # its single-use token is the credential (test_checkins)


def test_every_trust_url_is_on_the_ladder():
    names = {
        pattern.name
        for pattern in get_resolver().url_patterns
        if getattr(pattern, "namespace", None) == "trust"
        for pattern in pattern.url_patterns
    }
    assert names == set(LADDER) | PUBLIC


@pytest.fixture
def world(coach, client_user, supervisor, admin_user, other_coach, other_client, other_team):
    # A requested check-in, so the client may still check in between sessions.
    request = _requested(coach, client_user)
    services.checkin_submit(
        client=client_user, answers=LOW, talk_to_supervisor=True, request=request
    )
    return {
        "objects": {
            "flag": TrustFlag.objects.first().pk,
            "request": SupervisorRequest.objects.get().pk,
        },
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
    return getattr(client, method)(reverse(f"trust:{name}", args=args))


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
            assert response.status_code in (200, 302, 400), (name, role, response.status_code)

    if kind:
        for role in allowed:
            sign_in(client, world["outsiders"][role])
            assert _call(client, name, method, world, kind).status_code == 404, (name, role)
