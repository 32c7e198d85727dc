"""Demo recovery plans in every state."""

from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.utils import timezone

from accounts.models import CaseloadAssignment, User
from coaching.models import LifeArea, Plan, PlanVersion, Step
from coaching.services.plans import goal_add, plan_confirm, plan_sign, step_add, step_progress


def seed():
    """Recovery plans in every state, once: Robin's agreed last week with
    a step done, Taylor's a draft, Morgan's agreed long ago and due for
    review; Riley and Quinn, with Jordan for six weeks, have none yet."""
    robin = User.objects.get(email="robin@demo.test")
    if Plan.objects.filter(client=robin).exists():
        return
    casey = User.objects.get(email="casey@demo.test")
    now = timezone.now()
    with _as_if(now - timedelta(days=7)):
        goals = _plan(
            casey,
            robin,
            [
                (
                    "Work or study",
                    "Find steady work",
                    "So I have a reason to get up",
                    [
                        ("Go to the job fair on Thursday", Step.SuggestedBy.CLIENT),
                        ("Ask about the peer mentor course", Step.SuggestedBy.COACH),
                    ],
                ),
                (
                    "Supports",
                    "Go to a meeting every week",
                    "People who get it",
                    [
                        ("Try the Tuesday evening group", Step.SuggestedBy.COACH),
                    ],
                ),
            ],
        )
        _agree(casey, robin)
    step = goals[0].steps.order_by("pk").first()
    step_progress(actor=robin, step=step, state=Step.State.DONE, how_it_went="Met two employers")
    taylor = User.objects.get(email="taylor@demo.test")
    _plan(
        casey,
        taylor,
        [
            (
                "Housing",
                "A flat of my own",
                "Somewhere quiet",
                [
                    ("Call the housing office", Step.SuggestedBy.COACH),
                ],
            )
        ],
    )
    morgan = User.objects.get(email="morgan@demo.test")
    long_ago = now - timedelta(days=settings.PLAN_REVIEW_DAYS + 10)
    CaseloadAssignment.objects.filter(client=morgan, ended_at__isnull=True).update(
        started_at=long_ago - timedelta(days=14)
    )
    with _as_if(long_ago):
        _plan(
            casey,
            morgan,
            [
                (
                    "Health",
                    "Sleep through the night",
                    "",
                    [
                        ("No screens after ten", Step.SuggestedBy.CLIENT),
                    ],
                )
            ],
        )
        _agree(casey, morgan)
    # Riley and Quinn started with Jordan six weeks ago: no plan agreed yet.
    CaseloadAssignment.objects.filter(
        client__email__in=["riley@demo.test", "quinn@demo.test"], ended_at__isnull=True
    ).update(started_at=now - timedelta(weeks=6))


def _as_if(moment):
    """Write as if at `moment`: an agreed plan cannot be back-dated later
    (the database refuses any change to it)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _plan(coach, client, goals):
    made = []
    for area_name, words, why, steps in goals:
        area = LifeArea.objects.get_or_create(name=area_name)[0]
        goal = goal_add(actor=client, client=client, area=area, words=words, why=why)
        for action, suggested_by in steps:
            step_add(
                actor=coach,
                goal=goal,
                action=action,
                who=Step.Who.CLIENT,
                suggested_by=suggested_by,
            )
        made.append(goal)
    return made


def _agree(coach, client):
    version = PlanVersion.objects.get(plan__client=client, agreed_at__isnull=True)
    plan_confirm(actor=client, version=version, typed_name=client.display_name, confirmed=True)
    plan_sign(actor=coach, version=version)
