"""The claim file: billable sessions of one programme and date range, for
the clients with a consent covering the programme's payer, through the one
export path (coaching/services/disclosures.py export_split): a Disclosure per
included client, 42 CFR 2.32(a) Statement 1 at the file's head and each
included client's consent scope (2.32(b)), the others left out and listed
apart (on the page, never in the file)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from coaching.models import ExportKind, Recipient
from coaching.notices import consent_scope, organisation_name
from coaching.selectors.billing import (
    CLAIM_HEADER,
    CLAIM_INFORMATION,
    claim_for_change,
    claim_rows,
    programme_payer,
)
from coaching.services.disclosures import export_split
from sessions_log.billing import claim_lines, client_day
from sessions_log.models import FundingProgramme


@dataclass(frozen=True)
class ClaimFile:
    notice: str
    notice_version: str
    disclosed_by: str
    recipient: Recipient
    # One row per included client, in coaching.notices.SCOPE_LABELS order.
    scopes: list[list[str]]
    header: list[str]
    rows: list[list]
    left_out: list[User]


@transaction.atomic
def claim_export(*, actor: User, start: date, end: date, programme: FundingProgramme) -> ClaimFile:
    """The claim file's contents, its disclosures recorded (and audited, one
    per client on it). Refused, with nothing recorded, for a
    programme that is not billed or has no payer, when there is nothing to
    bill, and when no client on it has a covering consent."""
    if not programme.billed:
        raise ValidationError({"programme": f"{programme.name} is not billed."})
    payer = programme_payer(programme)
    if payer is None:
        raise ValidationError(
            {
                "programme": f"Nobody is set to pay for {programme.name}: an admin names its "
                "payer (Administration, Programme payers) first."
            }
        )
    # Only lines with billable units: a session with none (under the unit
    # rule, past the cap, a mode the programme does not pay for) is never on
    # the file, and its client is not disclosed for it.
    lines, _ = claim_lines(claim_for_change(actor, start=start, end=end, programme=programme))
    if not lines:
        raise ValidationError(
            "No billable sessions in those days: a session bills once its note is signed "
            "(and co-signed) and it has a service code and this programme, a contact mode "
            "the programme pays for and at least one unit."
        )
    days: dict[int, list[date]] = defaultdict(list)
    for line in lines:
        days[line.session.client_id].append(client_day(line.session))
    split = export_split(
        actor=actor,
        client_ids=set(days),
        service_dates={pk: (min(each), max(each)) for pk, each in days.items()},
        recipient=payer.recipient,
        information=CLAIM_INFORMATION,
        export=ExportKind.CLAIM_FILE,
        description=f"Claim file, {programme.name}, {start.isoformat()} to {end.isoformat()}",
    )
    if not split.consents:
        raise ValidationError(
            f"None of these clients has an active consent to share their service record and "
            f"billing identifiers with {payer.recipient.name}: nothing was exported."
        )
    # export_split audited each included client ("disclosure.record").
    included = [line for line in lines if line.session.client_id in split.consents]
    left_out = {
        line.session.client_id: line.session.client
        for line in lines
        if line.session.client_id not in split.consents
    }
    disclosed_by = organisation_name()
    return ClaimFile(
        notice=split.notice,
        notice_version=split.notice_version,
        disclosed_by=disclosed_by,
        recipient=payer.recipient,
        scopes=sorted(
            consent_scope(consent, disclosed_by=disclosed_by, on_day=end)
            for consent in split.consents.values()
        ),
        header=CLAIM_HEADER,
        rows=claim_rows(included),
        left_out=sorted(left_out.values(), key=lambda client: client.display_name),
    )
