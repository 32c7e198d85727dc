"""The coaching app's models, a module per feature: the relationship's trust
check-ins, flags and private requests (checkins), the recovery plan (plans),
and episodes of care and outreach (episodes)."""

from coaching.models.checkins import (
    ITEM_NAMES,
    ITEMS,
    CheckIn,
    CheckInRequest,
    SupervisorRequest,
    TrustFlag,
)
from coaching.models.episodes import (
    Channel,
    ContactPreferences,
    Episode,
    OutreachAttempt,
    ReferralSource,
)
from coaching.models.plans import (
    AgreedGoal,
    AgreedStep,
    Goal,
    LifeArea,
    NoteGoal,
    Plan,
    PlanChange,
    PlanVersion,
    Step,
)

__all__ = [
    "ITEMS",
    "ITEM_NAMES",
    "AgreedGoal",
    "AgreedStep",
    "Channel",
    "CheckIn",
    "CheckInRequest",
    "ContactPreferences",
    "Episode",
    "Goal",
    "LifeArea",
    "NoteGoal",
    "OutreachAttempt",
    "Plan",
    "PlanChange",
    "PlanVersion",
    "ReferralSource",
    "Step",
    "SupervisorRequest",
    "TrustFlag",
]
