"""The recovery plan where coaches and supervisors look all day: the coach's
home, the team dashboard, a client's page and the CSV report."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from coaching.models import Step
from coaching.services.figures import figures_repair
from coaching.services.plans import step_progress
from tests.conftest import make_user
from tests.helpers import PAGE_STATEMENTS, agree, area, count_queries, plan_with, sign_in


def _started_weeks_ago(client_user, weeks):
    CaseloadAssignment.objects.filter(client=client_user).update(
        started_at=timezone.now() - timedelta(weeks=weeks)
    )
    # History written past the services (no service moves a start): the
    # kept figures, which the dashboards read the start from, are written
    # from it as the nightly check would.
    figures_repair()


@pytest.mark.django_db
def test_the_coach_home_says_which_plans_need_attention_and_links_the_list(
    client, coach, client_user
):
    _started_weeks_ago(client_user, 6)  # 30 days passed without an agreed plan
    sign_in(client, coach)
    page = client.get(reverse("coaching:coach_home")).content.decode()
    assert "0 due for review, 1 client without an agreed plan" in page
    assert reverse("coaching:plans_due") in page
    assert "Not agreed yet" in page
    plan_with(coach, client_user)
    agree(coach, client_user)
    page = client.get(reverse("coaching:coach_home")).content.decode()
    assert "without an agreed plan" not in page
    assert f"Agreed {timezone.localtime():%-d %b}" in page


@pytest.mark.django_db
def test_an_agreed_plan_comes_due_for_review_after_90_days(client, coach, client_user):
    plan_with(coach, client_user)
    with time_machine.travel(timezone.now() - timedelta(days=91)):
        agree(coach, client_user)
    sign_in(client, coach)
    page = client.get(reverse("coaching:coach_home")).content.decode()
    assert "1 due for review" in page and "Review due" in page


@pytest.mark.django_db
def test_the_team_dashboard_counts_plans_per_coach_and_the_steps_clients_tried(
    client, supervisor, coach, client_user
):
    _started_weeks_ago(client_user, 6)
    goal = plan_with(coach, client_user, steps=4)[0]
    steps = list(Step.objects.filter(goal=goal).order_by("pk"))
    step_progress(actor=client_user, step=steps[0], state=Step.State.DONE, how_it_went="Fine")
    step_progress(actor=client_user, step=steps[1], state=Step.State.TRYING, how_it_went="")
    sign_in(client, supervisor)
    response = client.get(reverse("coaching:team_dashboard"))
    row = next(r for r in response.context["rows"] if r["coach_id"] == coach.pk)
    assert row["plans_not_agreed"] == 1 and row["plans_review_due"] == 0
    assert row["suggestions_tried"] == 50
    page = response.content.decode()
    assert '50% <span class="muted">(2 of 4)</span>' in page
    assert f"{reverse('coaching:plans_due')}?coach={coach.pk}" in page


@pytest.mark.django_db
def test_the_dashboard_links_to_one_coachs_plans_and_refuses_a_bad_coach(
    client, supervisor, coach, client_user
):
    _started_weeks_ago(client_user, 6)
    sign_in(client, supervisor)
    url = reverse("coaching:plans_due")
    page = client.get(url, {"coach": coach.pk}).content.decode()
    assert client_user.display_name in page and "One coach's clients" in page
    bad = client.get(url, {"coach": "x'); --"})
    assert bad.status_code == 400
    assert "That coach is not one we know" in bad.content.decode()


@pytest.mark.django_db
def test_a_clients_page_shows_the_steps_the_coach_suggested_beside_trust(
    client, coach, supervisor, client_user
):
    goal = plan_with(coach, client_user, steps=3)[0]
    step = Step.objects.filter(goal=goal).first()
    step_progress(actor=client_user, step=step, state=Step.State.DONE, how_it_went="Good")
    for viewer in (coach, supervisor):
        sign_in(client, viewer)
        page = client.get(reverse("coaching:client_timeline", args=[client_user.pk]))
        assert "the coach suggested 3 steps; 1 tried or done" in page.content.decode()


@pytest.mark.django_db
def test_the_report_counts_plans_due_and_not_agreed_per_coach_and_client(
    client, supervisor, coach, client_user
):
    _started_weeks_ago(client_user, 6)
    sign_in(client, supervisor)
    today = timezone.localdate()
    response = client.get(reverse("coaching:report"), {"start": today, "end": today})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert header[-2:] == ["plan review due today", "no agreed plan today"]
    casey = next(row for row in rows if row[0] == "coach" and row[2] == coach.display_name)
    robin = next(row for row in rows if row[0] == "client" and row[3] == client_user.display_name)
    assert casey[-2:] == ["0", "1"] and robin[-2:] == ["0", "1"]


@pytest.mark.django_db
def test_plan_figures_cost_the_same_with_1_or_50_clients(client, coach, supervisor, client_user):
    plan_with(coach, client_user)
    urls = {
        coach: [reverse("coaching:coach_home")],
        supervisor: [
            reverse("coaching:team_dashboard"),
            reverse("coaching:client_timeline", args=[client_user.pk]),
        ],
    }

    def costs():
        found = []
        for viewer, pages in urls.items():
            sign_in(client, viewer)
            client.get(pages[0])
            found += [count_queries(client.get, url)[0] for url in pages]
        return found

    few = costs()
    for number in range(49):
        person = make_user(f"p{number}@example.org", Role.CLIENT)
        CaseloadAssignment.objects.create(coach=coach, client=person)
        plan_with(coach, person, steps=2)
    many = costs()
    assert few == many
    assert max(many) <= PAGE_STATEMENTS


@pytest.mark.django_db
def test_the_clients_home_shows_their_plans_steps_and_links_it(client, coach, client_user):
    sign_in(client, client_user)
    page = client.get(reverse("coaching:client_home")).content.decode()
    assert reverse("coaching:my_plan") in page and "write down what matters to you" in page
    goal = plan_with(coach, client_user, steps=2)[0]
    step = Step.objects.filter(goal=goal).first()
    step_progress(actor=client_user, step=step, state=Step.State.DONE, how_it_went="Good")
    page = client.get(reverse("coaching:client_home")).content.decode()
    assert "1 step to try, 1 done." in page


@pytest.mark.django_db
def test_the_admins_first_page_links_the_life_areas_they_edit(client, admin_user):
    sign_in(client, admin_user)
    page = client.get(reverse("accounts:manage")).content.decode()
    areas = reverse("admin:coaching_lifearea_changelist")
    assert areas in page
    assert area("Housing").name in client.get(areas).content.decode()


@pytest.mark.django_db
def test_a_clients_page_links_their_plan_episodes_and_outreach(client, coach, client_user):
    sign_in(client, coach)
    page = client.get(reverse("coaching:client_timeline", args=[client_user.pk])).content.decode()
    for name in ("coaching:plan", "coaching:episodes", "coaching:outreach"):
        url = reverse(name, args=[client_user.pk])
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200
