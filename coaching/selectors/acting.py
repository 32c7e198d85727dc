"""What the person asking may do to the records a page shows, read in the
query that fetches them: each acting scope of the policy (accounts/policy/)
as a boolean column, so a page's buttons cost no query of their own."""

from django.db.models import BooleanField, Case, Q, Value, When


def holds(scope: Q) -> Case:
    """True where the row is within `scope`. A scope that grants nothing
    (NOTHING) is simply False."""
    return Case(When(scope, then=Value(True)), default=Value(False), output_field=BooleanField())
