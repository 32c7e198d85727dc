"""The plan page's agree and sign forms carry the revision of the draft the
page showed: a draft changed since (by the other person) is refused with
"The plan changed: read it again.", the page shows the plan as it is now
and nothing is agreed or signed. The page's queries stay fixed."""

import re

import pytest
from django.urls import reverse

from coaching.models import AgreedGoal, PlanVersion
from tests.helpers import count_queries, draft_of, plan_with, sign_in

CHANGED = "The plan changed: read it again."


def revision_on(page: str) -> str:
    """The revision the page's agree or sign form posts ("" if none)."""
    found = re.search(r'name="revision" value="([^"]*)"', page)
    return found.group(1) if found else ""


def _open(client, person, client_user) -> str:
    sign_in(client, person)
    return client.get(reverse("coaching:plan", args=[client_user.pk])).content.decode()


@pytest.mark.django_db
def test_the_clients_agreement_is_refused_when_the_coach_changed_the_goal_they_read(
    client, coach, client_user
):
    (goal,) = plan_with(coach, client_user)
    version = draft_of(client_user)
    read = revision_on(_open(client, client_user, client_user))
    # Meanwhile the coach rewrites the goal (through the page) and signs.
    sign_in(client, coach)
    client.post(
        reverse("coaching:goal_change", args=[goal.pk]),
        {"words": "Move back in with my mother", "area": goal.area_id, "why": ""},
    )
    coach_read = revision_on(
        client.get(reverse("coaching:plan", args=[client_user.pk])).content.decode()
    )
    client.post(reverse("coaching:plan_sign", args=[version.pk]), {"revision": coach_read})
    assert PlanVersion.objects.get(pk=version.pk).coach_signed_at is not None

    sign_in(client, client_user)
    response = client.post(
        reverse("coaching:plan_confirm", args=[version.pk]),
        {"typed_name": "Robin Park", "confirmed": "on", "revision": read},
        follow=True,
    )

    page = response.content.decode()
    assert CHANGED in page
    assert "Move back in with my mother" in page  # the plan as it is now
    version.refresh_from_db()
    assert version.client_confirmed_at is None and not version.is_agreed
    assert not AgreedGoal.objects.exists()
    # The page now carries what it shows: agreeing from it goes through.
    response = client.post(
        reverse("coaching:plan_confirm", args=[version.pk]),
        {"typed_name": "Robin Park", "confirmed": "on", "revision": revision_on(page)},
        follow=True,
    )
    assert "Thank you: you agreed to your plan. It is agreed." in response.content.decode()
    assert list(AgreedGoal.objects.values_list("words", flat=True)) == [
        "Move back in with my mother"
    ]


@pytest.mark.django_db
def test_the_coachs_signature_is_refused_when_the_client_changed_a_step_they_read(
    client, coach, client_user
):
    (goal,) = plan_with(coach, client_user)
    step = goal.steps.get()
    version = draft_of(client_user)
    read = revision_on(_open(client, coach, client_user))
    sign_in(client, client_user)
    client.post(
        reverse("coaching:step_change", args=[step.pk]),
        {"action": "Ask my sister for the deposit", "who": "client"},
    )

    sign_in(client, coach)
    response = client.post(
        reverse("coaching:plan_sign", args=[version.pk]), {"revision": read}, follow=True
    )

    page = response.content.decode()
    assert CHANGED in page and "Ask my sister for the deposit" in page
    assert PlanVersion.objects.get(pk=version.pk).coach_signed_at is None


@pytest.mark.django_db
def test_a_form_without_a_revision_signs_nothing(client, coach, client_user):
    """A page from before revisions (or a hand-made post) carries none."""
    plan_with(coach, client_user)
    version = draft_of(client_user)
    sign_in(client, client_user)
    response = client.post(
        reverse("coaching:plan_confirm", args=[version.pk]),
        {"typed_name": "Robin Park", "confirmed": "on"},
        follow=True,
    )
    assert CHANGED in response.content.decode()
    sign_in(client, coach)
    response = client.post(reverse("coaching:plan_sign", args=[version.pk]), follow=True)
    assert CHANGED in response.content.decode()
    version.refresh_from_db()
    assert version.client_confirmed_at is None and version.coach_signed_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["client_user", "coach"])
def test_the_draft_page_with_its_forms_costs_the_same_queries_for_one_goal_or_thirty(
    request, client, who, coach, client_user
):
    person = request.getfixturevalue(who)
    plan_with(coach, client_user, goals=1, steps=2)
    url = reverse("coaching:plan", args=[client_user.pk])
    sign_in(client, person)
    client.get(url)  # the signed-in session, warmed
    few, response = count_queries(client.get, url)
    assert revision_on(response.content.decode())

    plan_with(coach, client_user, goals=29, steps=2)
    client.get(url)
    many, response = count_queries(client.get, url)

    assert few == many
    assert revision_on(response.content.decode())
