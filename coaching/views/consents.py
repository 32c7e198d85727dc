"""Consents and disclosures: the client's pages (their consents, reading and
signing one staff prepared, revoking one, what was disclosed) and staff's
(a client's consents, preparing one, ending one, recording a revocation the
client made in writing, and a disclosure to the
recipient a consent names: a CSV with the notice at its head, recorded)."""

import csv
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import form_saved
from accounts.middleware import confirm_open, deliberate_read, navigation_is_deliberate
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.consents import ConsentPrepareForm, ConsentSignForm, WrittenRevocationForm
from coaching.models import Information
from coaching.notices import (
    NOTICE_VERSION,
    SCOPE_HEADING,
    SCOPE_LABELS,
    STATEMENT_1,
    consent_scope,
    organisation_name,
)
from coaching.selectors import consents as selectors
from coaching.selectors.consent_documents import with_documents
from coaching.selectors.disclosures import named_recipient_kinds
from coaching.selectors.report import csv_safe
from coaching.services import consents as services
from coaching.services import disclosures
from common.dates import local_today

STAFF = (Role.COACH, Role.SUPERVISOR)

# ------------------------------------------------------------ the client's


@require_GET
@role_required(Role.CLIENT)
def my_consents(request):
    data = selectors.client_consents_for_viewing(request.user, request.user.pk)
    data["permissions"] = selectors.permissions_for(request.user, data["client"])
    return render(request, "coaching/consents/mine.html", data)


def _consent_page(request, pk, *, status=200, sign_form=None):
    data = selectors.consent_for_viewing(request.user, pk)
    permissions = selectors.permissions_for(request.user, data["consent"])
    signable = permissions.can_sign and data["consent"].state.key == "draft"
    if signable and sign_form is None:
        sign_form = ConsentSignForm()
    # A form for a consent that can no longer be signed (signed meanwhile,
    # or past its end date) is not shown again: its refusal is said above.
    if sign_form is not None and sign_form.is_bound and not signable:
        messages.error(request, " ".join(m for errors in sign_form.errors.values() for m in errors))
    context = {**data, "permissions": permissions, "sign_form": sign_form if signable else None}
    return render(request, "coaching/consents/detail.html", context, status=status)


@require_GET
@role_required(Role.CLIENT)
def my_consent(request, pk):
    return _consent_page(request, pk)


@require_GET
@deliberate_read
def consent_signed_copy(request, pk):
    """The consent as signed, as kept: the frozen text, byte for byte, for
    the client and the staff who see their consents (consent_for_viewing:
    404 otherwise, the read audited). A draft has no signed copy (404)."""
    consent = selectors.consent_for_viewing(request.user, pk)["consent"]
    if consent.signed_at is None:
        raise Http404
    response = HttpResponse(consent.signed_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consent-{consent.pk}-signed.txt"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(Role.CLIENT)
def consent_sign(request, pk):
    consent = get_object_or_404(selectors.consents_signable_by(request.user), pk=pk)
    form = ConsentSignForm(request.POST)
    if form_saved(form, partial(services.consent_sign, actor=request.user, consent=consent)):
        messages.success(request, "Signed. You can revoke this consent at any time.")
        return redirect("coaching:my_consent", pk=consent.pk)
    return _consent_page(request, consent.pk, status=400, sign_form=form)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def consent_revoke(request, pk):
    """GET asks to confirm; POST revokes, at once."""
    consent = get_object_or_404(selectors.consents_signable_by(request.user), pk=pk)
    if request.method == "POST":
        try:
            services.consent_revoke(actor=request.user, consent=consent)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, "Revoked. Nothing more will be shared under this consent from now on."
            )
        return redirect("coaching:my_consent", pk=consent.pk)
    consent.state = selectors.consent_state(consent, local_today(consent.client))
    return render(
        request,
        "coaching/consents/revoke.html",
        {"consent": consent, "plain": selectors.in_plain_words(consent.information)},
    )


# ------------------------------------------------------------------ staff's


def _client_consents_page(request, pk, *, status=200, form=None):
    data = selectors.client_consents_for_viewing(request.user, pk)
    with_documents(request.user, data["consents"])  # the paper scans, listed
    client = data["client"]
    if form is None:
        form = ConsentPrepareForm(
            recipients=selectors.recipients_for(client),
            initial={"legal_name": selectors.legal_name_on_file(client)},
        )
    permissions = selectors.permissions_for(request.user, client)
    context = {**data, "permissions": permissions, "form": form if permissions.can_manage else None}
    return render(request, "coaching/consents/client.html", context, status=status)


@require_GET
@role_required(*STAFF)
@deliberate_read
def client_consents(request, pk):
    get_object_or_404(selectors.consent_clients_managed_by(request.user), pk=pk)
    return _client_consents_page(request, pk)


@require_POST
@role_required(*STAFF)
def consent_prepare(request, pk):
    client = get_object_or_404(selectors.consent_clients_managed_by(request.user), pk=pk)
    form = ConsentPrepareForm(request.POST, recipients=selectors.recipients_for(client))
    if form_saved(form, partial(services.consent_prepare, actor=request.user, client=client)):
        messages.success(request, "Prepared. The client can now read and sign it.")
        return redirect("coaching:client_consents", pk=client.pk)
    return _client_consents_page(request, client.pk, status=400, form=form)


@require_POST
@role_required(*STAFF)
def consent_end(request, pk):
    consent = get_object_or_404(selectors.consents_managed_by(request.user), pk=pk)
    try:
        services.consent_end(actor=request.user, consent=consent)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Ended. Nothing more will be disclosed under this consent.")
    return redirect("coaching:client_consents", pk=consent.client_id)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def consent_revoke_in_writing(request, pk):
    """Staff record a revocation the client made in writing: GET the form,
    POST records it (effective at once: the next export leaves them out)."""
    consent = get_object_or_404(selectors.consents_managed_by(request.user), pk=pk)
    if request.method == "GET" and not navigation_is_deliberate(request):
        return confirm_open(request)  # as deliberate_read: the page reads the client's consent
    form, status = WrittenRevocationForm(request.POST or None, request.FILES or None), 200
    if request.method == "POST":
        record = partial(services.consent_revoke_in_writing, actor=request.user, consent=consent)
        if form_saved(form, record):
            messages.success(
                request, "Recorded. Nothing more will be disclosed under this consent."
            )
            return redirect("coaching:client_consents", pk=consent.client_id)
        status = 400
    context = {**selectors.consent_for_viewing(request.user, pk), "form": form}
    return render(request, "coaching/consents/revoke_in_writing.html", context, status=status)


@require_GET
@role_required(*STAFF)
@deliberate_read
def consent_disclosure(request, pk):
    """What a disclosure under this consent would send, to whom, under the
    notice (42 CFR 2.32(a) Statement 1) and the consent's scope (2.32(b))
    the file carries; a button to download it (consent_disclose)."""
    get_object_or_404(selectors.consents_managed_by(request.user), pk=pk)
    data = selectors.consent_for_viewing(request.user, pk)
    # The consent's end counts in the client's own day.
    consent = data["consent"]
    today = local_today(consent.client)
    in_force = consent.in_force_on(today)
    scope = consent_scope(consent, disclosed_by=organisation_name(), on_day=today)
    context = {
        **data,
        "permissions": selectors.permissions_for(request.user, consent),
        "in_force": in_force,
        "notice": STATEMENT_1,
        "notice_version": NOTICE_VERSION,
        "scope_heading": SCOPE_HEADING,
        "scope": list(zip(SCOPE_LABELS, scope, strict=True)) if in_force else [],
        # What the file holds: billing identifiers go only on claims.
        "sent": [
            label
            for kind, label in Information.choices
            if kind in named_recipient_kinds(consent.information)
        ],
    }
    return render(request, "coaching/consents/disclose.html", context)


@require_POST
@role_required(*STAFF)
def consent_disclose(request, pk):
    """The named-recipient disclosure: a CSV of what the consent covers for
    its client, 42 CFR 2.32(a) Statement 1 at its head (its version next)
    and the consent's scope under it (2.32(b)), recorded as a Disclosure through
    the one export path (disclosures.export_split). Without a covering consent:
    a message, nothing sent, nothing recorded."""
    consent = get_object_or_404(selectors.consents_managed_by(request.user), pk=pk)
    client = consent.client
    try:
        disclosed = disclosures.consent_disclose(actor=request.user, consent=consent)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("coaching:consent_disclosure", pk=consent.pk)
    split, used, rows = disclosed.split, disclosed.used, disclosed.rows
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="disclosure-{client.pk}-{today.isoformat()}.csv"'
    )
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    scope = consent_scope(used, disclosed_by=organisation_name(), on_day=today)
    for row in [
        [split.notice],
        [split.notice_version],
        [],
        [SCOPE_HEADING],
        *([label, value] for label, value in zip(SCOPE_LABELS, scope, strict=True)),
        [],
        ["Prepared by", request.user.display_name],
        ["Date", today.isoformat()],
        [],
        ["Section", "Date", "Item", "Detail"],
        *rows,
    ]:
        writer.writerow([csv_safe(value) for value in row])
    return response
