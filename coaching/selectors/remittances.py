"""Reads for remittances (X12 835 files uploaded by the staff who bill):
the recent ones with how many lines each paid and denied (no client
names: a remittance is the organisation's money), the claim lines an 835
answers, locked for the upload that marks them, and the funder report's
count of service lines by state.

Staff who bill only (accounts/policy/billing.py bills)."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.audit import audit_clients_shown
from accounts.models import User
from accounts.policy import bills
from coaching.models import LIVE_STATES, ClaimLine, LineState, Remittance
from sessions_log.models import FundingProgramme

RECENT = 50

# The states the funder report counts, in the order a line goes through them.
REPORTED_STATES = [LineState.IN_BATCH, LineState.ACCEPTED, LineState.PAID, LineState.DENIED]


def recent_remittances(user: User) -> QuerySet[Remittance]:
    """The last RECENT remittances uploaded, newest first, each with
    `lines_paid` and `lines_denied`: one query. PermissionDenied for anyone
    who does not bill."""
    if not bills(user):
        raise PermissionDenied
    return Remittance.objects.annotate(
        lines_paid=Count("lines", filter=Q(lines__state=LineState.PAID)),
        lines_denied=Count("lines", filter=Q(lines__state=LineState.DENIED)),
    ).order_by("-uploaded_at", "-pk")[:RECENT]


def remittance_for_viewing(user: User, pk) -> Remittance:
    """One remittance as the payer sent it (its text), for the staff who
    bill; Http404 for anyone else and for one that does not exist. The
    clients whose lines it answered are audited ("remittance.download"):
    the file names them."""
    remittance = Remittance.objects.filter(pk=pk).first() if bills(user) else None
    if remittance is None:
        raise Http404
    clients = User.objects.filter(
        pk__in=ClaimLine.objects.filter(remittance=remittance).values("claim__client_id")
    )
    audit_clients_shown(actor=user, shown=[("remittance.download", list(clients))])
    return remittance


def remittance_lines_for_change(user: User, claim_ids: list[str]) -> list[ClaimLine]:
    """The lines of the claims `claim_ids` (CLP01 of an 835), with their
    claim, locked until the upload commits (a second upload of an answer to
    the same claims waits, then sees what the first did). Staff who bill
    only: PermissionDenied for anyone else."""
    if not bills(user):
        raise PermissionDenied
    return list(
        ClaimLine.objects.filter(claim__claim_id__in=claim_ids)
        .select_related("claim")
        .select_for_update(of=("self", "claim"))
        .order_by("pk")
    )


def live_line() -> Exists:
    """Whether a session (the outer query's) is on a live claim line (in
    batch, accepted, paid or denied): a billable session that is not is
    ready to bill."""
    return Exists(ClaimLine.objects.filter(session=OuterRef("pk"), state__in=LIVE_STATES))


@dataclass(frozen=True)
class LineStateCount:
    state: str
    label: str
    lines: int
    charged: object
    paid: object


def line_state_counts(
    clients: QuerySet,
    *,
    month: date,
    end: date,
    programme: FundingProgramme | None,
    work: Q | None = None,
) -> list[LineStateCount]:
    """Service lines with a date of service in month..end (exclusive), of
    `clients` (a values("client_id") queryset: the funder report's scope)
    and `work` (a condition on ClaimLine: whose claims count), under
    `programme` (None: all), counted by state with the amounts charged and
    paid: one query. Voided and replaced lines are not counted (their
    replacement is)."""
    lines = ClaimLine.objects.filter(
        work or Q(), service_date__gte=month, service_date__lt=end, claim__client_id__in=clients
    )
    if programme is not None:
        lines = lines.filter(claim__batch__programme=programme)
    zero = Value(0, output_field=DecimalField(max_digits=12, decimal_places=2))
    aggregates = {}
    for state in REPORTED_STATES:
        in_state = Q(state=state)
        aggregates[f"{state}_lines"] = Count("pk", filter=in_state)
        aggregates[f"{state}_charged"] = Coalesce(Sum("charge", filter=in_state), zero)
        aggregates[f"{state}_paid"] = Coalesce(Sum("paid_amount", filter=in_state), zero)
    figures = lines.aggregate(**aggregates)
    return [
        LineStateCount(
            state=state.value,
            label=state.label,
            lines=figures[f"{state}_lines"],
            charged=figures[f"{state}_charged"],
            paid=figures[f"{state}_paid"],
        )
        for state in REPORTED_STATES
    ]


def line_states_shown(states: list[LineStateCount], suppressed) -> list[tuple]:
    """(label, count, charged, paid) as the funder report shows them: the
    count through `suppressed` (state -> what to show), and the amounts
    only with a count shown as it is (a small amount would point at a
    person's care)."""
    rows = []
    for state in states:
        count = suppressed(state)
        shown = count == str(state.lines)
        rows.append((state.label, count, *((state.charged, state.paid) if shown else ("—", "—"))))
    return rows
