"""The plan pages: the permission ladder, bad input answered plainly with
nothing changed, reads audited into the client's "who viewed my record",
the note's goal picker, and a query count that does not grow with the plan."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from coaching.models import Goal, NoteGoal, PlanVersion, Step
from coaching.services.plans import step_progress
from sessions_log.models import Note
from sessions_log.services.notes import note_open
from tests.coaching.test_plans_views_revisions import revision_on
from tests.helpers import agree, area, count_queries, draft_of, past_contact, plan_with, sign_in


def _state():
    return (
        list(Goal.objects.values()),
        list(Step.objects.values()),
        list(PlanVersion.objects.values()),
    )


# ------------------------------------------------------------------- ladder


@pytest.mark.django_db
def test_the_plan_page_walks_the_permission_ladder(
    client, coach, client_user, supervisor, other_coach, admin_user
):
    plan_with(coach, client_user)
    url = reverse("coaching:plan", args=[client_user.pk])

    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    sign_in(client, other_coach)
    assert client.get(url).status_code == 404
    sign_in(client, admin_user)
    assert client.get(url).status_code == 403
    for person in (client_user, coach, supervisor):
        sign_in(client, person)
        response = client.get(url)
        assert response.status_code == 200, person.email
        assert "Goal 0" in response.content.decode()


@pytest.mark.django_db
def test_adding_a_goal_walks_the_ladder_and_changes_the_database(
    client, coach, client_user, supervisor, other_coach
):
    url = reverse("coaching:goal_add", args=[client_user.pk])
    data = {"words": "Keep my flat", "area": area().pk, "why": "It is mine"}

    assert "/accounts/login/" in client.post(url, data)["Location"]
    sign_in(client, other_coach)
    assert client.post(url, data).status_code == 404
    sign_in(client, supervisor)
    assert client.post(url, data).status_code == 403
    assert not Goal.objects.exists()
    sign_in(client, client_user)
    response = client.post(url, data)

    goal = Goal.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#goal-{goal.pk}")
    assert (goal.words, goal.created_by) == ("Keep my flat", client_user)


@pytest.mark.django_db
def test_the_client_marks_a_step_done_and_says_how_it_went(
    client, coach, client_user, other_client
):
    plan_with(coach, client_user)
    step = Step.objects.get()
    url = reverse("coaching:step_progress", args=[step.pk])
    data = {"state": "done", "how_it_went": "Easier than I thought"}

    sign_in(client, other_client)
    assert client.post(url, data).status_code == 404
    sign_in(client, client_user)
    response = client.post(url, data, follow=True)

    step.refresh_from_db()
    assert (step.state, step.how_it_went) == ("done", "Easier than I thought")
    assert "Thank you for saying how it is going" in response.content.decode()


@pytest.mark.django_db
def test_agreeing_and_signing_through_the_pages(client, coach, client_user, supervisor):
    plan_with(coach, client_user)
    version = draft_of(client_user)
    confirm = reverse("coaching:plan_confirm", args=[version.pk])
    sign = reverse("coaching:plan_sign", args=[version.pk])

    sign_in(client, coach)
    assert (
        client.post(confirm, {"typed_name": "Casey Rivera", "confirmed": "on"}).status_code == 403
    )
    sign_in(client, supervisor)
    assert client.post(sign).status_code == 403
    sign_in(client, client_user)
    assert client.post(sign).status_code == 403
    page = client.get(reverse("coaching:plan", args=[client_user.pk])).content.decode()
    data = {"typed_name": "Robin Park", "confirmed": "on", "revision": revision_on(page)}
    response = client.post(confirm, data, follow=True)
    assert "waiting for your coach to sign" in response.content.decode()
    sign_in(client, coach)
    page = client.get(reverse("coaching:plan", args=[client_user.pk])).content.decode()
    response = client.post(sign, {"revision": revision_on(page)}, follow=True)
    assert "Plan signed. It is agreed." in response.content.decode()
    assert PlanVersion.objects.get(pk=version.pk).is_agreed


# ---------------------------------------------------------------- bad input


@pytest.mark.django_db
def test_a_step_without_a_goal_gets_a_clear_message_and_changes_nothing(client, coach, client_user):
    plan_with(coach, client_user, steps=0)
    before = _state()
    sign_in(client, client_user)

    response = client.post(
        reverse("coaching:step_add", args=[client_user.pk]),
        {"action": "Walk", "who": "client", "suggested_by": "client"},
    )

    assert response.status_code == 400
    assert "Choose the goal this step is for." in response.content.decode()
    assert _state() == before


@pytest.mark.django_db
def test_a_target_date_in_the_past_gets_a_clear_message(client, coach, client_user):
    (goal,) = plan_with(coach, client_user, steps=0)
    before = _state()
    sign_in(client, coach)
    past = timezone.localdate() - timedelta(days=3)

    response = client.post(
        reverse("coaching:step_add", args=[client_user.pk]),
        {
            "goal": goal.pk,
            "action": "Walk",
            "who": "client",
            "suggested_by": "coach",
            "target_date": past.isoformat(),
        },
    )

    assert response.status_code == 400
    assert "Choose today or a later date to try it by." in response.content.decode()
    assert _state() == before


@pytest.mark.django_db
def test_another_clients_goal_posted_by_hand_is_refused(
    client, coach, client_user, other_coach, other_client
):
    plan_with(coach, client_user)
    (theirs,) = plan_with(other_coach, other_client)
    before = _state()
    sign_in(client, coach)

    response = client.post(
        reverse("coaching:step_add", args=[client_user.pk]),
        {"goal": theirs.pk, "action": "Sneak", "who": "coach", "suggested_by": "coach"},
    )

    assert response.status_code == 400
    assert "Choose one of the goals of this plan." in response.content.decode()
    assert (
        client.post(
            reverse("coaching:goal_change", args=[theirs.pk]), {"words": "x", "area": area().pk}
        ).status_code
        == 404
    )
    assert _state() == before


@pytest.mark.django_db
def test_agreeing_to_an_agreed_version_again_says_so_and_changes_nothing(
    client, coach, client_user
):
    plan_with(coach, client_user)
    version = agree(coach, client_user)
    before = _state()
    sign_in(client, client_user)

    response = client.post(
        reverse("coaching:plan_confirm", args=[version.pk]),
        {"typed_name": "Robin Park", "confirmed": "on"},
        follow=True,
    )

    assert response.status_code == 200
    assert "agreed and can no longer be changed" in response.content.decode()
    sign_in(client, coach)
    response = client.post(reverse("coaching:plan_sign", args=[version.pk]), follow=True)
    assert "agreed and can no longer be changed" in response.content.decode()
    assert _state() == before


@pytest.mark.django_db
def test_a_wrong_name_or_no_tick_is_shown_on_the_form(client, coach, client_user):
    plan_with(coach, client_user)
    version = draft_of(client_user)
    sign_in(client, client_user)
    url = reverse("coaching:plan_confirm", args=[version.pk])
    page = client.get(reverse("coaching:plan", args=[client_user.pk])).content.decode()
    read = revision_on(page)

    wrong = client.post(url, {"typed_name": "R. Park", "confirmed": "on", "revision": read})
    unticked = client.post(url, {"typed_name": "Robin Park", "revision": read})

    assert wrong.status_code == unticked.status_code == 400
    assert "Type your name as it is on your account: Robin Park." in wrong.content.decode()
    assert "Tick the box to say you agree to this plan." in unticked.content.decode()
    assert PlanVersion.objects.get(pk=version.pk).client_confirmed_at is None


@pytest.mark.django_db
def test_a_bad_state_or_empty_goal_is_a_message_not_an_error(client, coach, client_user):
    (goal,) = plan_with(coach, client_user)
    step = Step.objects.get()
    before = _state()
    sign_in(client, client_user)

    bad_state = client.post(
        reverse("coaching:step_progress", args=[step.pk]), {"state": "finished"}, follow=True
    )
    empty_goal = client.post(
        reverse("coaching:goal_change", args=[goal.pk]), {"words": "", "area": ""}, follow=True
    )

    assert "Select a valid choice" in bad_state.content.decode()
    assert "Write the goal in your own words." in empty_goal.content.decode()
    assert _state() == before


# ------------------------------------------------------------ reads, audit


@pytest.mark.django_db
def test_every_read_of_the_plan_shows_in_who_viewed_my_record(
    client, coach, client_user, supervisor
):
    plan_with(coach, client_user)
    for person, name in [(coach, "plan"), (supervisor, "plan_history"), (coach, "plan_print")]:
        sign_in(client, person)
        assert client.get(reverse(f"coaching:{name}", args=[client_user.pk])).status_code == 200

    sign_in(client, client_user)
    page = client.get(reverse("accounts:record_views")).content.decode()

    assert "Casey Rivera (coach) looked at your recovery plan" in page
    assert "Sam Supervisor (supervisor) looked at the history of your recovery plan" in page
    assert "Casey Rivera (coach) opened the printable page of your recovery plan" in page
    assert "Casey Rivera (coach) added a goal to your recovery plan" in page
    actions = set(AuditEvent.objects.filter(client=client_user).values_list("action", flat=True))
    assert {"plan.view", "plan.history", "plan.print", "plan.goal_add", "plan.step_add"} <= actions


@pytest.mark.django_db
def test_the_plan_page_costs_the_same_queries_for_one_goal_or_fifty(
    client, coach, client_user, steady_session
):
    plan_with(coach, client_user, goals=1, steps=2)
    agree(coach, client_user)
    url = reverse("coaching:plan", args=[client_user.pk])
    urls = [
        url,
        reverse("coaching:plan_history", args=[client_user.pk]),
        reverse("coaching:plan_print", args=[client_user.pk]),
    ]
    sign_in(client, coach)
    for page in urls:
        client.get(page)  # the signed-in session, warmed
    few = [count_queries(client.get, page)[0] for page in urls]

    plan_with(coach, client_user, goals=49, steps=2)
    agree(coach, client_user)
    for step in Step.objects.all()[:20]:
        step_progress(actor=client_user, step=step, state="trying", how_it_went="ok")
    client.get(url)  # the login's first requests write its session; then none (steady_session)
    many = [count_queries(client.get, page)[0] for page in urls]

    assert few == many
    assert client.get(url).content.decode().count('class="card plan-goal"') == 50


@pytest.mark.django_db
def test_the_plan_shows_per_goal_the_sessions_that_worked_on_it(client, coach, client_user):
    (goal, other) = plan_with(coach, client_user, goals=2, steps=0)
    session = past_contact(coach, client_user, timedelta(hours=3))
    note = note_open(actor=coach, session=session)
    sign_in(client, coach)
    draft = reverse("sessions_log:note_draft", args=[note.pk])

    # The note form offers the plan's goals; the coach ticks one, with words.
    form = client.get(reverse("sessions_log:session_detail", args=[session.pk])).content.decode()
    assert "Plan goals this session worked on" in form and "Housing: Goal 1" in form
    client.post(
        draft,
        {"narrative": "Talked", "plan_goals": [goal.pk], f"plan_goal_words_{goal.pk}": "Viewing"},
    )
    assert list(NoteGoal.objects.values_list("goal_id", "words")) == [(goal.pk, "Viewing")]
    client.post(
        reverse("sessions_log:note_sign", args=[note.pk]),
        {"narrative": "Talked", "plan_goals": [goal.pk], f"plan_goal_words_{goal.pk}": "Viewing"},
    )
    assert Note.objects.get(pk=note.pk).is_signed

    page = client.get(reverse("coaching:plan", args=[client_user.pk])).content.decode()
    section = page.split(f'id="goal-{goal.pk}"')[1].split(f'id="goal-{other.pk}"')[0]
    assert reverse("sessions_log:session_detail", args=[session.pk]) in section
    assert "Viewing" in section
    signed = client.get(reverse("sessions_log:session_detail", args=[session.pk])).content.decode()
    assert "Plan goals worked on" in signed and "Housing: Goal 0: Viewing" in signed


@pytest.mark.django_db
def test_another_clients_goal_ticked_on_a_note_is_ignored(
    client, coach, client_user, other_coach, other_client
):
    (goal,) = plan_with(coach, client_user, steps=0)
    (theirs,) = plan_with(other_coach, other_client, steps=0)
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=3)))
    sign_in(client, coach)

    response = client.post(
        reverse("sessions_log:note_draft", args=[note.pk]),
        {"narrative": "x", "plan_goals": [theirs.pk]},
    )

    assert response.status_code == 400
    assert not NoteGoal.objects.exists()


@pytest.mark.django_db
def test_the_due_list_shows_the_coachs_caseload_and_the_supervisors_team(
    client, coach, client_user, supervisor, other_coach, other_client
):

    CaseloadAssignment.objects.update(started_at=timezone.now() - timedelta(days=45))
    url = reverse("coaching:plans_due")

    for person in (coach, supervisor):
        sign_in(client, person)
        page = client.get(url).content.decode()
        assert "Robin Park" in page and "Riley Chen" not in page and "No agreed plan" in page
    sign_in(client, client_user)
    assert client.get(url).status_code == 403
    assert AuditEvent.objects.filter(action="plans_due.list", client=client_user).count() == 2
