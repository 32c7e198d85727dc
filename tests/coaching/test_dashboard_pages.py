"""The team dashboard in pages of 50 coaches, with an admins' team filter
(coaching/selectors/dashboard_sql.py team_dashboard_for_viewing, the view
coaching.views.caseloads.team_dashboard).

Every page of every sort, put together, is the reference selector's table
(caseloads.team_dashboard) in the order the view used to give it when it
printed every coach at once; the banner's private requests count every
coach the viewer reviews, not the page's; the team filter shows an admin
one team and a supervisor nothing beyond their own; a bad team or page is
said and answered 400, never a 500."""

import random
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import CaseloadAssignment, Role, Team, User
from coaching.models import SupervisorRequest, TrustFlag
from coaching.selectors.dashboard_sql import DASHBOARD_PAGE, team_dashboard_for_viewing
from coaching.selectors.episodes import episode_month_figures
from coaching.services.figures import figures_repair
from sessions_log.models import Session
from tests.coaching.test_dashboard_sql import NOW, _organisation, _reference
from tests.helpers import sign_in
from tests.security.test_fuzz import ODD

SORTS = ("coach", "-coach", "-open_flags", "active_clients", "trust_mean", "-suggestions_tried")


@pytest.fixture
def url():
    return reverse("coaching:team_dashboard")


def _more_coaches(team: Team, count: int, seed: int) -> None:
    """`count` more coaches, most in `team`, names in mixed case (the order
    is by name whatever the case), each with none or a few clients, flags,
    sessions and private requests: ties and differences in every column."""
    rng = random.Random(seed)
    west = Team.objects.get(name="West")
    for n in range(count):
        coach = User.objects.create(
            email=f"more{seed}-{n}@example.org",
            display_name=f"{rng.choice(['dee', 'Dee', 'eve', 'Fay', 'zed'])} {n:02d}",
            role=Role.COACH,
            team=team if n % 5 else west,
        )
        for k in range(rng.choice([0, 1, 2])):
            person = User.objects.create(
                email=f"more{seed}-{n}-{k}@example.org", display_name="P", role=Role.CLIENT
            )
            assignment = CaseloadAssignment.objects.create(
                coach=coach, client=person, started_at=NOW - timedelta(days=rng.choice([3, 40]))
            )
            if rng.random() < 0.5:
                TrustFlag.objects.create(
                    assignment=assignment, client=person, coach=coach, rule="low_score",
                    detail="x",
                )  # fmt: skip
            if rng.random() < 0.5:
                starts = NOW - timedelta(days=rng.choice([2, 20]), hours=k)
                Session.objects.create(
                    coach=coach, client=person, starts_at=starts,
                    ends_at=starts + timedelta(hours=1), modality="phone", status="completed",
                    created_by=coach, note_state=rng.choice(["to_write", "awaiting_cosign"]),
                )  # fmt: skip
            if rng.random() < 0.3:
                SupervisorRequest.objects.create(client=person, coach=coach, team=coach.team)
    figures_repair()


def _expected(viewer: User, sort: str, team: Team | None = None) -> list[dict]:
    """The reference's rows in the order the view gave them before it had
    pages: by name (case aside, then as stored, then id), then stably by
    the column asked for."""
    rows = [
        {"coach_id": pk, **row}
        for pk, row in _reference(viewer).items()
        if team is None or row["team"] == team.name
    ]
    rows.sort(key=lambda row: (row["name"], row["coach_id"]))
    rows.sort(key=lambda row: row["name"].lower(), reverse=sort == "-coach")
    key = sort.removeprefix("-")
    if key != "coach":
        rows.sort(
            key=lambda row: (row[key] is None, row[key] if row[key] is not None else 0),
            reverse=sort.startswith("-"),
        )
    return rows


def _every_page(viewer: User, sort: str, team: Team | None = None) -> tuple[list[dict], list]:
    """The rows of every page in turn; the number of pages said and seen,
    each page's banner, the last page's whole answer."""
    rows, found, number, banners = [], {"page": None}, 0, set()
    while number == 0 or found["page"].has_next:
        number += 1
        found = team_dashboard_for_viewing(
            viewer, NOW, NOW.date(), sort=sort, page=number, team=team and team.pk
        )
        assert found["page"].number == number and not found["past_end"]
        assert len(found["rows"]) <= DASHBOARD_PAGE
        banners.add(found["waiting_requests"])
        rows += [
            {key: value for key, value in row.items() if key != "url"} for row in found["rows"]
        ]
    return rows, [found["page"].paginator.num_pages, number, banners, found]


@pytest.mark.django_db
def test_every_page_of_every_sort_is_the_reference_table(team, supervisor, admin_user):
    with time_machine.travel(NOW, tick=False):
        _organisation(4, team, supervisor)
        _more_coaches(team, 64, seed=4)
        west = Team.objects.get(name="West")
        west_supervisor = User.objects.create(
            email="west@example.org", display_name="W", role=Role.SUPERVISOR, team=west
        )
        for viewer, chosen in [(supervisor, None), (admin_user, None), (admin_user, west)]:
            viewer.refresh_from_db()
            for sort in SORTS:
                rows, (pages, seen, banners, last) = _every_page(viewer, sort, chosen)
                expected = _expected(viewer, sort, chosen)
                assert rows == expected, (viewer, sort, chosen)
                assert pages == seen == -(-len(expected) // DASHBOARD_PAGE)
                # The banner on each page: every coach's private requests.
                assert banners == {sum(row["open_requests"] or 0 for row in expected)}
            # The episodes panel counts the selection: an admin's one team,
            # what that team's supervisor's counts.
            reference = west_supervisor if chosen else viewer
            assert last["episode_months"] == episode_month_figures(
                reference, months=3, today=NOW.date()
            )
    # Varied enough to mean something: more than a page for the supervisor,
    # private requests on a later page than the first, ties in the figures.
    expected = _expected(supervisor, "coach")
    assert len(expected) > DASHBOARD_PAGE
    assert any(row["open_requests"] for row in expected[DASHBOARD_PAGE:])
    assert len({row["open_flags"] for row in expected}) > 1
    assert {row["name"][0] for row in expected} >= {"d", "D"}


@pytest.mark.django_db
def test_an_admin_shows_one_team_and_the_links_keep_it(
    client, admin_user, coach, other_coach, team, other_team, url
):
    Team.objects.create(name="<b>Q</b>")
    sign_in(client, admin_user)
    page = client.get(url).content.decode()
    # The filter: a GET form, "Every team" first, then the teams by name, escaped.
    assert '<option value="" selected>Every team</option>' in page
    assert page.index(">Every team<") < page.index(">North<") < page.index(">South<")
    assert ">&lt;b&gt;Q&lt;/b&gt;<" in page and "<b>Q" not in page
    response = client.get(url, {"team": other_team.pk, "sort": "-open_flags"})
    assert response.status_code == 200
    assert [row["name"] for row in response.context["rows"]] == [other_coach.display_name]
    page = response.content.decode()
    assert f"?sort=coach&amp;team={other_team.pk}" in page
    assert f'<option value="{other_team.pk}" selected>' in page


@pytest.mark.django_db
def test_the_team_filter_shows_a_team_renamed_or_added_since_the_last_view(
    client, admin_user, team, other_team, url
):
    """The options are kept per process by the teams themselves: a rename
    or a new team is seen on the next view, never the options made before."""
    sign_in(client, admin_user)
    assert ">South<" in client.get(url).content.decode()
    other_team.name = "Southwest"
    other_team.save()
    Team.objects.create(name="Zeta")
    page = client.get(url).content.decode()
    assert ">Southwest<" in page and ">South<" not in page and ">Zeta<" in page
    chosen = client.get(url, {"team": other_team.pk}).content.decode()
    assert f'<option value="{other_team.pk}" selected>Southwest</option>' in chosen
    assert '<option value="">Every team</option>' in chosen


@pytest.mark.django_db
def test_page_links_keep_the_sort_and_the_team(client, admin_user, team, url):
    for n in range(DASHBOARD_PAGE + 3):
        User.objects.create(
            email=f"k{n}@example.org", display_name=f"Coach {n:02d}", role=Role.COACH, team=team
        )
    sign_in(client, admin_user)
    response = client.get(url, {"sort": "-coach", "team": team.pk})
    page = response.content.decode()
    assert page.count(f"?sort=-coach&amp;team={team.pk}&amp;page=2") == 2  # above and below
    assert "Page 1 of 2" in page
    second = client.get(url, {"sort": "-coach", "team": team.pk, "page": 2})
    assert [row["name"] for row in second.context["rows"]] == ["Coach 02", "Coach 01", "Coach 00"]
    assert f"?sort=-coach&amp;team={team.pk}&amp;page=1" in second.content.decode()


@pytest.mark.django_db
def test_a_supervisor_cannot_show_another_team(
    client, supervisor, coach, other_coach, other_team, team, url
):
    """Another team reads as one that does not exist: said, 400, and the
    page shows the supervisor's own team only; no filter is offered."""
    sign_in(client, supervisor)
    assert 'name="team"' not in client.get(url).content.decode()
    for asked in (other_team.pk, 987654):
        response = client.get(url, {"team": asked})
        assert response.status_code == 400
        assert f"There is no team “{asked}” to show" in response.content.decode()
        assert [row["name"] for row in response.context["rows"]] == [coach.display_name]
    own = client.get(url, {"team": team.pk})
    assert own.status_code == 200
    assert [row["name"] for row in own.context["rows"]] == [coach.display_name]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"team": "north"}, "There is no team “north” to show; every team you review is shown."),
        ({"team": "987654"}, "There is no team “987654” to show"),
        ({"page": "two"}, "There is no page “two”; this is page 1."),
        ({"page": "0"}, "There is no page “0”; this is page 1."),
        ({"page": "99999999999999999999"}, "There is no page “99999999999999999999”"),
        ({"page": "2"}, "There is no page 2; this is page 1."),
        ({"page": "3", "sort": "-open_flags"}, "There is no page 3; this is page 1."),
    ],
)
def test_a_bad_team_or_page_is_said_and_changes_nothing_else(
    client, admin_user, coach, other_coach, url, query, message
):
    sign_in(client, admin_user)
    expected = [row["name"] for row in client.get(url, {"sort": query.get("sort", "coach")})
                .context["rows"]]  # fmt: skip
    response = client.get(url, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert [row["name"] for row in response.context["rows"]] == expected
    assert response.context["page"].number == 1


@pytest.mark.django_db
def test_odd_teams_and_pages_are_never_a_server_error(client, supervisor, admin_user, coach, url):
    for viewer in (supervisor, admin_user):
        sign_in(client, viewer)
        for value in ODD:
            for name in ("team", "page"):
                response = client.get(url, {name: value, "sort": "-open_flags"})
                assert response.status_code == (200 if value == "" else 400), (name, value)
                assert [row["name"] for row in response.context["rows"]] == [coach.display_name]
