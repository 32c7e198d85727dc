"""The one access policy: who may do what, and who may see which records.

Views use `role_required` for the page and selectors for the records; every
selector builds its scope from the rules below, and nothing else states
them (tests/security/test_scope.py holds each selector to them). A record
someone may not see is a 404, like one that does not exist.

The rules, in words:
- A client sees their own records.
- A coach sees the clients they work with now, through the active
  relationship (a former coach sees nothing once a client moves on).
- A supervisor sees the clients of their team's coaches, through those
  active relationships; private requests to talk with a supervisor are for
  their team's supervisors alone.
- An admin manages people and teams and reviews caseloads (never note text,
  check-in comments or private requests: the selectors of those give them
  nothing).
- Nobody inactive sees anything.

Visibility follows the relationship, not just the client:
- What a coach writes for themselves about a session (its private agenda,
  a draft note) and what supervisors say to them about it (note reviews,
  the decision and its comment) are that coach's: for them and for the
  supervisors of their team (coach_private_scope), never for a successor.
  A coach who takes a client over reads, of the sessions with an earlier
  coach, when and how they happened, their status, and the signed note
  with its addenda: the clinical record, for continuity of care. Not the
  agenda, not a draft, not the reviews.
- A supervisor's review of a client's past (the history, the CSV report,
  a coach's overdue notes) covers the relationships their team held
  (held_relationship_scope): a member of the team coaching that client.
  Not the client's time with a coach of another team. A coach's team is
  the one they are in now: no history of team membership is kept.
- A coach made a supervisor never reads the private requests about their
  own coaching.

Each scope is a `Q` for the model that holds the records, so selectors in
the layers above apply it without this package knowing their models. One
module per domain: relationships (the one rule), records (sessions and
notes), plans, episodes (and outreach), consents, billing, pages (roles,
invitations, people, teams, the audit trail).
"""

from accounts.policy.billing import (  # noqa: F401
    bills,
    claim_scope,
    funder_report_held_on,
    funder_report_scope,
    funder_report_work_scope,
    payer_identity_scope,
)
from accounts.policy.consents import (  # noqa: F401
    consent_scope,
    consent_signer_scope,
    consent_staff_scope,
)
from accounts.policy.episodes import (  # noqa: F401
    episode_discharger_scope,
    episode_opener_scope,
    episode_scope,
    outreach_logger_scope,
    outreach_scope,
)
from accounts.policy.pages import (  # noqa: F401
    INVITABLE_ROLES,
    audit_scope,
    can_invite,
    invitation_scope,
    mfa_completed_this_login,
    mfa_enabled,
    people_scope,
    role_required,
    takes_texts,
    team_scope,
)
from accounts.policy.plans import (  # noqa: F401
    note_goal_scope,
    plan_agreer_scope,
    plan_editor_scope,
    plan_scope,
    plan_signer_scope,
)
from accounts.policy.records import (  # noqa: F401
    coach_private_scope,
    note_scope,
)
from accounts.policy.relationships import (  # noqa: F401
    NOTHING,
    client_scope,
    clients_visible_to,
    flag_scope,
    held_relationship_scope,
    private_request_scope,
    relationship_record_scope,
    relationship_scope,
    reviewable_clients,
    reviewable_coach_scope,
    reviewable_relationship_scope,
)
