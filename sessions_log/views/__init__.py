"""Pages of sessions and what is logged about them, one module per feature:
sessions (agenda, schedule, log a contact), notes (the session page, notes,
the co-sign queue), calendar (.ics and private feeds), reminders (email
settings, unsubscribe, failed deliveries)."""
