"""Pages of sessions and what is logged about them, one module per feature:
sessions (agenda, schedule, log a contact, the session page and its forms),
notes (open, draft, sign, addenda, review; notes to finish, the co-sign
queue), calendar (.ics and private feeds), reminders (email settings,
unsubscribe, failed deliveries)."""
