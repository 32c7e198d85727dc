"""The CSV claim files (ClaimSheet) as downloaded, for the staff who bill
(accounts/policy.py bills): a 404 for anyone else. `claim_sheet_for_viewing`
is the one place a download again is audited; `claim_sheet_for_change`
locks the sheet that is marked sent."""

from django.http import Http404

from accounts.audit import audit_record_many
from accounts.models import Role, User
from accounts.policy import bills
from coaching.models import ClaimSheet

# The claim page lists this many of the newest sheets.
SHEETS_SHOWN = 20


def claim_sheets_managed_by(user: User):
    """Every sheet for staff who bill; none for anyone else."""
    if not bills(user):
        return ClaimSheet.objects.none()
    return ClaimSheet.objects.all()


def claim_sheet_for_change(user: User, pk) -> ClaimSheet:
    """A sheet `user` marks sent, its row locked; 404 otherwise."""
    sheet = (
        claim_sheets_managed_by(user)
        .select_for_update(of=("self",))
        .select_related("programme", "recipient")
        .filter(pk=pk)
        .first()
    )
    if sheet is None:
        raise Http404("No such claim file.")
    return sheet


def claim_sheet_for_viewing(user: User, pk) -> ClaimSheet:
    """A sheet `user` downloads again (exactly its kept text); 404 otherwise.
    Audited "claim_sheet.download", once per client on it."""
    sheet = claim_sheets_managed_by(user).filter(pk=pk).first()
    if sheet is None:
        raise Http404("No such claim file.")
    audit_record_many(
        actor=user,
        action="claim_sheet.download",
        objects=[(sheet, User(pk=pk, role=Role.CLIENT)) for pk in sheet.client_ids],
    )
    return sheet


def claim_sheets_recent(user: User) -> list[ClaimSheet]:
    """The newest sheets (their text not read), for the claim page. One query."""
    return list(
        claim_sheets_managed_by(user)
        .select_related("programme", "created_by", "marked_sent_by")
        .defer("file_text")[:SHEETS_SHOWN]
    )
