"""bench/views.py: the baseline pages `make bench` measures the everyday
pages against (served only under bench.settings, never by the app)."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_urls():
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, "bench"], ROOT_URLCONF="bench.urls"
    ):
        yield


def test_it_sends_anonymous_people_to_sign_in(bench_urls, team, client):
    response = client.get(reverse("bench_baseline", args=[team.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_shows_one_team_to_someone_signed_in(bench_urls, team, client, client_user):
    sign_in(client, client_user)
    response = client.get(reverse("bench_baseline", args=[team.pk]))
    assert response.status_code == 200
    assert f"<h1>{team.name}</h1>" in response.content.decode()


def test_it_answers_404_for_a_team_that_does_not_exist(bench_urls, team, client, client_user):
    sign_in(client, client_user)
    assert client.get(reverse("bench_baseline", args=[team.pk + 1000])).status_code == 404


def test_it_only_reads(bench_urls, team, client, client_user):
    sign_in(client, client_user)
    assert client.post(reverse("bench_baseline", args=[team.pk])).status_code == 405


def test_the_baseline_pays_the_shared_layout(bench_urls, team, client, client_user):
    """The in-stack baseline renders inside base.html, as every real page
    does: the header with its navigation, the footer."""
    sign_in(client, client_user)
    page = client.get(reverse("bench_baseline", args=[team.pk])).content.decode()
    assert 'class="site-header"' in page
    assert reverse("coaching:client_home") in page  # the client's navigation
    assert 'class="site-footer"' in page
    assert f"<title>{team.name} · Appointments</title>" in page
