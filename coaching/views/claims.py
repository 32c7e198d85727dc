"""Billing for the staff who bill (admins: accounts/policy/billing.py bills):
the Billing page (the lines ready to claim and those left out with why, the
button that makes a batch of them, the recent batches, a remittance upload),
a batch's page (its claims and lines up to payment, download, accept, void,
replace). The work is in coaching/selectors/claims.py and
coaching/services/claims.py; these views hand them plain values."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.claims import ReadyForm, default_range
from coaching.forms.remittances import RemittanceUploadForm
from coaching.models import LineState
from coaching.notices import NOTICE_VERSION, STATEMENT_1
from coaching.selectors import billing as billing_selectors
from coaching.selectors import claims as selectors
from coaching.services import claim_sending as sending
from coaching.services import claims as services
from coaching.services.notices import claim_batch_cover as batch_cover
from common.downloads import attachment

BILLERS = (Role.ADMIN,)
# Recent batches the Billing page lists; older ones are a batch's own page away.
RECENT_BATCHES = 20


def _ready_form(data=None):
    programmes = billing_selectors.claim_programmes()
    if data is None:
        start, end = default_range()
        return ReadyForm(
            {"start": start.isoformat(), "end": end.isoformat()}, programmes=programmes
        )
    return ReadyForm(data, programmes=programmes)


def _hub(request, form, *, status=200):
    ready = None
    if form.is_valid():
        ready = selectors.ready_for_viewing(
            request.user,
            programmes=form.programmes(),
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
    context = {
        "form": form,
        "ready": ready,
        "organisation_problems": selectors.organisation_problems(),
        "batches": [
            _with_state_counts(row)
            for row in selectors.batches_for_viewing(request.user, limit=RECENT_BATCHES)
        ],
        "permissions": selectors.permissions_for(request.user),
        "remittance_form": RemittanceUploadForm(),
    }
    return render(request, "coaching/billing/hub.html", context, status=status)


def _with_state_counts(row: dict) -> dict:
    """A batch's lines per state as the page words them, in LineState order."""
    states = row["states"]
    counts = [(state.label, states[state.value]) for state in LineState if state.value in states]
    return {**row, "state_counts": counts}


@require_GET
@role_required(*BILLERS)
@deliberate_read
def billing(request):
    """The Billing page: for the days and programme asked (by default the
    previous calendar month through today, every billed programme) the
    lines ready to claim and those left out, each with what is missing."""
    if "start" not in request.GET:
        return _hub(request, _ready_form())
    form = _ready_form(request.GET)
    return _hub(request, form, status=200 if form.is_valid() else 400)


@require_POST
@role_required(*BILLERS)
def claim_batch_new(request):
    """Make a batch of the ready lines (one per programme, in one 837P
    file) and go to it; a refusal shows on the Billing page, nothing made."""
    form = _ready_form(request.POST)
    if not form.is_valid():
        return _hub(request, form, status=400)
    try:
        result = services.claim_batch_create(
            actor=request.user,
            programmes=form.batch_programmes(),
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return _hub(request, form, status=400)
    numbers = ", ".join(str(batch.pk) for batch in result.batches)
    left_out = len(result.left_out)
    text = f"Batch {numbers} made, ready to download."
    if left_out:
        text += f" {left_out} line{'s' if left_out != 1 else ''} left out: see the Billing page."
    messages.success(request, text)
    return redirect("coaching:claim_batch", pk=result.batches[0].pk)


@require_GET
@role_required(*BILLERS)
@deliberate_read
def claim_batch(request, pk):
    """A batch: its claims and their lines, each line's state, paid amount
    and the payer's reason codes."""
    return _batch_page(request, pk)


def _batch_page(request, pk, *, status=200):
    view = _with_state_counts(selectors.batch_for_viewing(request.user, pk))
    context = {
        "view": view,
        "permissions": selectors.permissions_for(request.user),
        "notice": STATEMENT_1,
        "notice_version": NOTICE_VERSION,
    }
    return render(request, "coaching/billing/batch.html", context, status=status)


@require_POST
@role_required(*BILLERS)
def claim_batch_download(request, pk):
    """The batch's 837P file as sent: the same bytes every time."""
    filename, text = services.claim_interchange_file(actor=request.user, batch_pk=pk)
    return attachment(text, filename=filename, content_type="text/plain; charset=us-ascii")


@require_POST
@role_required(*BILLERS)
def claim_batch_cover(request, pk):
    """The batch's cover sheet (plain text), sent with its 837P: the notice
    42 CFR 2.32(a) prescribes (Statement 1) and each client's consent scope
    (2.32(b)), which an 837P has no place for."""
    filename, text = batch_cover(actor=request.user, batch_pk=pk)
    return attachment(text, filename=filename, content_type="text/plain; charset=utf-8")


@require_POST
@role_required(*BILLERS)
def claim_batch_accept(request, pk):
    """The clearinghouse took the file: its lines in batch become accepted."""
    try:
        services.claim_batch_accept(actor=request.user, batch_pk=pk)
    except ValidationError as error:
        return _refused(request, pk, error)
    messages.success(request, "Marked accepted.")
    return redirect("coaching:claim_batch", pk=pk)


@require_POST
@role_required(*BILLERS)
def claim_batch_sent(request, pk):
    """Staff sent the file: every batch of it marked sent and its
    disclosures recorded, each consent checked again now. A client no
    longer covered is taken out first and named; nothing is marked then."""
    try:
        result = sending.claim_batch_mark_sent(actor=request.user, batch_pk=pk)
    except ValidationError as error:
        return _refused(request, pk, error)
    for text in result.removed:
        messages.error(request, text)
    if result.show is None:
        messages.error(request, "Nothing is left in the file: nothing was marked sent.")
        return redirect("coaching:billing")
    if result.sent:
        numbers = ", ".join(str(batch.pk) for batch in result.sent)
        messages.success(request, f"Marked sent (batch {numbers}): the disclosures are recorded.")
    return redirect("coaching:claim_batch", pk=result.show)


@require_POST
@role_required(*BILLERS)
def claim_void(request, pk):
    """Void a sent claim (frequency 8): a new batch holding the void."""
    return _follow_up(request, services.sent_claim_void, pk, "Void")


@require_POST
@role_required(*BILLERS)
def claim_replace(request, pk):
    """Replace a sent claim (frequency 7) with its sessions' billed time now."""
    return _follow_up(request, services.sent_claim_replace, pk, "Replacement")


def _follow_up(request, service, claim_pk, kind):
    try:
        result = service(actor=request.user, claim_pk=claim_pk)
    except ValidationError as error:
        # Back to the batch the button was on (the form says which).
        batch = request.POST.get("batch", "")
        if not batch.isdigit():
            for text in error.messages:
                messages.error(request, text)
            return redirect("coaching:billing")
        return _refused(request, int(batch), error)
    batch = result.batches[0]
    messages.success(request, f"{kind} made in batch {batch.pk}, ready to download.")
    return redirect("coaching:claim_batch", pk=batch.pk)


def _refused(request, pk, error):
    for text in error.messages:
        messages.error(request, text)
    return _batch_page(request, pk, status=400)
