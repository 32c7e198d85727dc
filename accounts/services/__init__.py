"""Writes about people and access, one module per feature: invitations,
people, teams, relationships, payer identity, keys. Each runs in a
transaction and is audited, and takes its record through the selectors'
`<thing>_for_change` (the policy's acting scope, locked).

The names the layers above (and their tests) use are also named here."""

from accounts.services.invitations import invitation_create
from accounts.services.payer import payer_identity_set

__all__ = ["invitation_create", "payer_identity_set"]
