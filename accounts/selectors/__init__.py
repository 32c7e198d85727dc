"""Reads, always scoped to the person asking through the access policy
(accounts/policy/), one module per kind of record: people, invitations,
teams, relationships, payer identity, the audit trail. Each offers
`<thing>_for_viewing` (404 for absent and forbidden alike, and the one place
its read is audited), `<thing>_for_change` (the acting scope, locked) and
`permissions_for(user, record)` (the flags a page shows buttons by).

The names the layers above read are also named here."""

from accounts.selectors.invitations import invitations_visible_to, newest_invitations_visible_to
from accounts.selectors.people import people_managed_by
from accounts.selectors.relationships import active_coach_of, caseload_of, clients_of
from accounts.selectors.teams import teams_visible_to
from accounts.selectors.trail import audit_events_visible_to

__all__ = [
    "active_coach_of",
    "audit_events_visible_to",
    "caseload_of",
    "clients_of",
    "invitations_visible_to",
    "newest_invitations_visible_to",
    "people_managed_by",
    "teams_visible_to",
]
