"""Plans built the way people build them: through the services."""

from coaching.models import LifeArea, PlanVersion, Step
from coaching.services.plans import goal_add, plan_confirm, plan_sign, step_add


def area(name: str = "Housing") -> LifeArea:
    # Seeded by migration 0007; a transactional test's flushed database has none.
    return LifeArea.objects.get_or_create(name=name)[0]


def plan_with(coach, client, *, goals: int = 1, steps: int = 1, by=None):
    """A plan of `goals` goals with `steps` coach-suggested steps each,
    written by `by` (the coach unless said). Returns the goals."""
    by = by or coach
    made = []
    for number in range(goals):
        goal = goal_add(actor=by, client=client, area=area(), words=f"Goal {number}", why="Me")
        for step_number in range(steps):
            step_add(
                actor=by,
                goal=goal,
                action=f"Step {number}.{step_number}",
                who=Step.Who.CLIENT,
                suggested_by=Step.SuggestedBy.COACH,
            )
        made.append(goal)
    return made


def draft_of(client) -> PlanVersion:
    return PlanVersion.objects.get(plan__client=client, agreed_at__isnull=True)


def agree(coach, client) -> PlanVersion:
    """The client agrees to the open draft and the coach signs it."""
    version = draft_of(client)
    plan_confirm(actor=client, version=version, typed_name=client.display_name, confirmed=True)
    return plan_sign(actor=coach, version=version)
