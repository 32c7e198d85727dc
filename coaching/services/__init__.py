"""Writes of the coaching layer, one module per feature: trust (check-ins,
flags, private requests) and caseloads (reassignment, the report export).
Each runs in a transaction and is audited."""
