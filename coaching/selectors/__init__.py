"""Reads of the coaching layer, one module per feature: trust (check-ins,
flags, private requests), caseloads (review for supervisors and admins),
report (the CSV report) and homes (the pages that show several apps' data).
Each is scoped to the person asking through accounts/policy.py."""
