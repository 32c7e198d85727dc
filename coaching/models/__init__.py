"""The coaching app's models, a module per feature: the relationship's trust
check-ins, flags and private requests (checkins), the recovery plan (plans),
episodes of care and outreach (episodes), consents and disclosures
(consents), a client's requests about their record (records), who a
funding programme's claims go to (billing), the claims sent and paid
(claims), and the figures kept for pages that sum history (figures)."""

from coaching.models.billing import ProgrammePayer
from coaching.models.checkins import (
    ITEM_NAMES,
    ITEMS,
    CheckIn,
    CheckInRequest,
    SupervisorRequest,
    TrustFlag,
)
from coaching.models.claims import (
    LIVE_STATES,
    BillingOrganisation,
    Claim,
    ClaimBatch,
    ClaimInterchange,
    ClaimLine,
    ClaimSheet,
    Frequency,
    LineState,
    ProviderIdentity,
    Remittance,
)
from coaching.models.consents import (
    Authority,
    Consent,
    ConsentDocument,
    DocumentKind,
    Information,
    PurposeKind,
    Recipient,
    SignedHow,
)
from coaching.models.disclosures import Basis, Disclosure, ExportKind, OutgoingFile, SentBy
from coaching.models.episodes import (
    Channel,
    ContactPreferences,
    Episode,
    OutreachAttempt,
    ReferralSource,
)
from coaching.models.figures import CoachDayFigures, RelationshipFigures
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
from coaching.models.records import RecordRequest

__all__ = [
    "ITEMS",
    "LIVE_STATES",
    "BillingOrganisation",
    "Claim",
    "ClaimBatch",
    "ClaimInterchange",
    "ClaimLine",
    "ClaimSheet",
    "Frequency",
    "LineState",
    "ProviderIdentity",
    "Remittance",
    "ITEM_NAMES",
    "AgreedGoal",
    "AgreedStep",
    "Channel",
    "CheckIn",
    "CheckInRequest",
    "CoachDayFigures",
    "Authority",
    "Basis",
    "Consent",
    "ConsentDocument",
    "ContactPreferences",
    "DocumentKind",
    "OutgoingFile",
    "PurposeKind",
    "SentBy",
    "SignedHow",
    "Disclosure",
    "Episode",
    "ExportKind",
    "Goal",
    "Information",
    "LifeArea",
    "NoteGoal",
    "OutreachAttempt",
    "Plan",
    "PlanChange",
    "PlanVersion",
    "ProgrammePayer",
    "Recipient",
    "RecordRequest",
    "RelationshipFigures",
    "ReferralSource",
    "Step",
    "SupervisorRequest",
    "TrustFlag",
]
