"""Writes about sessions, one module per feature: sessions (schedule, move,
cancel, complete, log a contact), notes (draft, sign, addenda, co-sign),
calendar (private feed links), reminders (which emails a change calls for,
and people's choices) and outbox (sending them). Each write runs in a
transaction and is audited."""
