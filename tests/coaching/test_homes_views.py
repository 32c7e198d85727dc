import pytest
from django.urls import reverse

from accounts.models import CaseloadAssignment, Invitation, Role, User
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in

# page -> the one role allowed on it
PAGES = {
    "coaching:coach_home": Role.COACH,
    "accounts:team": Role.SUPERVISOR,
    "accounts:manage": Role.ADMIN,
    "coaching:client_home": Role.CLIENT,
}


@pytest.fixture
def cast(client_user, coach, supervisor, admin_user):
    return {
        Role.CLIENT: client_user,
        Role.COACH: coach,
        Role.SUPERVISOR: supervisor,
        Role.ADMIN: admin_user,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_page_is_for_one_role_only(client, cast, page):
    for role, user in cast.items():
        sign_in(client, user)
        expected = 200 if role == PAGES[page] else 403
        assert client.get(reverse(page)).status_code == expected, (page, role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(PAGES.values()))
def test_home_sends_each_role_to_its_own_page(client, cast, role):
    sign_in(client, cast[role])
    homes = {
        **{allowed: page for page, allowed in PAGES.items()},
        Role.SUPERVISOR: "coaching:team_dashboard",
    }
    assert client.get(reverse("home"))["Location"] == reverse(homes[role])


@pytest.mark.django_db
def test_the_coach_sees_only_their_own_clients(client, coach, client_user, other_client):
    sign_in(client, coach)
    page = client.get(reverse("coaching:coach_home")).content.decode()
    assert client_user.display_name in page
    assert other_client.display_name not in page


@pytest.mark.django_db
def test_the_supervisor_sees_only_their_team(client, supervisor, coach, client_user, other_coach):
    sign_in(client, supervisor)
    page = client.get(reverse("accounts:team")).content.decode()
    assert coach.display_name in page
    assert other_coach.display_name not in page


def _grow(coach, size):
    """`size` more clients for the coach, and `size` more coaches (each with a
    client) in the team. Without passwords: hashing is not what is measured."""
    for number in range(size):
        person = User.objects.create(email=f"client{number}@example.org", role=Role.CLIENT)
        CaseloadAssignment.objects.create(coach=coach, client=person)
        colleague = User.objects.create(
            email=f"coach{number}@example.org", role=Role.COACH, team=coach.team
        )
        other = User.objects.create(email=f"c{number}@example.org", role=Role.CLIENT)
        CaseloadAssignment.objects.create(coach=colleague, client=other)
        Invitation.objects.create(
            email=f"i{number}@example.org",
            role=Role.COACH,
            team=coach.team,
            invited_by=coach,
            token_digest=f"{number:064d}",
        )


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["coaching:coach_home", "accounts:team", "accounts:manage"])
def test_pages_use_the_same_number_of_queries_with_1_or_50_rows(
    client, cast, coach, supervisor, page
):
    user = cast[PAGES[page]]
    sign_in(client, user)
    client.get(reverse(page))  # the first request of a login records the session
    small, response = count_queries(client.get, reverse(page))
    assert response.status_code == 200
    _grow(coach, 50)
    large, response = count_queries(client.get, reverse(page))
    assert response.status_code == 200
    assert small == large <= PAGE_STATEMENTS


@pytest.mark.django_db
def test_pages_are_phone_friendly_and_labelled(client, coach):
    sign_in(client, coach)
    html = client.get(reverse("coaching:coach_home")).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert '<label for="id_email">' in html
    # Nothing is loaded from another origin.
    assert 'src="http' not in html and 'href="http' not in html


@pytest.mark.django_db
def test_a_big_caseload_comes_a_page_at_a_time_and_every_client_is_on_one(
    client, coach, client_user
):
    _grow(coach, 30)
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert "Page 1" in first and "?page=2" in first
    clients = CaseloadAssignment.objects.filter(coach=coach).values_list("client_id", flat=True)
    on_page = {
        name: {pk for pk in clients if reverse("coaching:client_timeline", args=[pk]) in html}
        for name, html in (("first", first), ("second", second))
    }
    assert len(on_page["first"]) == 25
    assert on_page["first"] | on_page["second"] == set(clients)
    assert not on_page["first"] & on_page["second"]
