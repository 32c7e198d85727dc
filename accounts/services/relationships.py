"""Starting a relationship: a coach takes a client on. (Reassigning one is
caseload review's, in coaching.)"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, User
from accounts.selectors.relationships import client_for_taking


@transaction.atomic
def assignment_create(*, actor: User, coach: User, client: User) -> CaseloadAssignment:
    """`coach` starts working with `client`: refused (ValidationError) unless
    the coach may take them (selectors.relationships.client_for_taking)."""
    client = client_for_taking(coach, client.pk)
    try:
        # The database constraint decides races between two requests.
        with transaction.atomic():
            assignment = CaseloadAssignment.objects.create(
                coach=coach, client=client, created_by=actor
            )
    except IntegrityError:
        raise ValidationError({"client": "This client already has an active coach."}) from None
    audit_record(actor=actor, action="assignment.create", obj=assignment, client=client)
    return assignment
