"""Pages of people and access, one module per page: invitations (sending,
revoking, accepting), manage (invitations and teams, for admins), teams (a
supervisor's team), people (role, team, activation, credential, payer
details), trail (the audit trail) and who_viewed (a client's "Who viewed
my record")."""
