"""Staff see the language a client reads the app in (issue: Spanish for
clients, item 5), so a Spanish-speaking coach can be assigned: on the
client's page, the coach's home, the supervisor's view of a coach's
caseload, the client's history and the reassignment page. Named in the
viewer's language; in tables only when it is not the default."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.languages import language_badge, language_name
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

BADGE = '<span class="badge badge-language">Spanish</span>'


@pytest.fixture
def spanish_client(client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    return client_user


def _page(client, viewer, url) -> str:
    sign_in(client, viewer)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_coach_sees_the_language_on_the_clients_page_and_their_home(
    client, coach, spanish_client
):
    timeline = _page(client, coach, reverse("coaching:client_timeline", args=[spanish_client.pk]))
    assert "Reads the app in Spanish." in timeline
    assert BADGE in _page(client, coach, reverse("coaching:coach_home"))


def test_the_supervisor_sees_it_on_the_caseload_the_history_and_the_reassignment(
    client, coach, supervisor, spanish_client
):
    caseload = _page(client, supervisor, reverse("coaching:coach_detail", args=[coach.pk]))
    assert BADGE in caseload
    for name in ("coaching:client_history", "coaching:client_reassign"):
        page = _page(client, supervisor, reverse(name, args=[spanish_client.pk]))
        assert "Reads the app in Spanish." in page


def test_a_client_in_the_default_language_gets_no_badge(client, coach, client_user):
    assert "badge-language" not in _page(client, coach, reverse("coaching:coach_home"))
    timeline = _page(client, coach, reverse("coaching:client_timeline", args=[client_user.pk]))
    assert "Reads the app in English." in timeline


def test_the_language_is_named_in_the_viewers_language():
    with translation.override("es"):
        assert language_name("en") == "Inglés"
        assert "Español" in language_badge("es")
    assert language_badge("en") == ""
