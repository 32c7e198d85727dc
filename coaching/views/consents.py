"""Consents and disclosures: the client's pages (their consents, reading and
signing one staff prepared, revoking one, what was disclosed) and staff's
(a client's consents, preparing one, ending one, recording a revocation the
client made in writing, and a disclosure to the
recipient a consent names: a CSV with the notice at its head, kept until
staff mark it sent, when the disclosure is recorded)."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import form_saved
from accounts.middleware import confirm_open, deliberate_read, navigation_is_deliberate
from accounts.models import Role
from accounts.policy import role_required
from coaching.consent_copies import signed_copy_text
from coaching.forms.consents import ConsentPrepareForm, ConsentSignForm, WrittenRevocationForm
from coaching.forms.disclosures import DisclosureRangeForm, MarkSentForm
from coaching.models import Information
from coaching.models.consents import Authority, RevocationMedium
from coaching.notices import (
    NOTICE_VERSION,
    SCOPE_HEADING,
    SCOPE_LABELS,
    STATEMENT_1,
    consent_scope,
    organisation_name,
    statement_1_in,
)
from coaching.selectors import consents as selectors
from coaching.selectors.consent_documents import with_documents
from coaching.selectors.disclosures import (
    named_recipient_kinds,
    outgoing_file_for_viewing,
    outgoing_files_managed_by,
    outgoing_files_of,
)
from coaching.services import consents as services
from coaching.services import disclosures
from common.dates import local_today
from common.downloads import attachment

STAFF = (Role.COACH, Role.SUPERVISOR)

# ------------------------------------------------------------ the client's


@require_GET
@role_required(Role.CLIENT)
def my_consents(request):
    data = selectors.client_consents_for_viewing(request.user, request.user.pk)
    data["permissions"] = selectors.permissions_for(request.user, data["client"])
    return render(request, "coaching/consents/mine.html", data)


# A paper signature's authority and a written revocation's medium, as the
# client's consent page says them.
AUTHORITY_WORDS = {
    Authority.PARENT_OF_MINOR: gettext_lazy("parent of a minor"),
    Authority.GUARDIAN: gettext_lazy("guardian appointed by a court"),
    Authority.HEALTH_CARE_PROXY: gettext_lazy("health care proxy"),
}
# The language a consent was signed in, as its pages say it.
SIGNED_IN_WORDS = {
    "en": gettext_lazy("Signed in English."),
    "es": gettext_lazy("Signed in Spanish."),
}
MEDIUM_WORDS = {
    RevocationMedium.LETTER: pgettext_lazy("revocation came as", "letter"),
    RevocationMedium.FORM: pgettext_lazy("revocation came as", "our revocation form"),
    RevocationMedium.EMAIL: pgettext_lazy("revocation came as", "email"),
    RevocationMedium.FAX: pgettext_lazy("revocation came as", "fax"),
    RevocationMedium.OTHER: pgettext_lazy("revocation came as", "other writing"),
}


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
    context = {
        **data,
        "permissions": permissions,
        "sign_form": sign_form if signable else None,
        # What the sign form posts: the words this page shows (changed
        # since, the signature is refused and this page shown again).
        "revision": services.consent_revision(data["sections"]) if signable else "",
        "authority": AUTHORITY_WORDS.get(data["consent"].representative_authority, ""),
        "medium": MEDIUM_WORDS.get(data["consent"].revocation_medium, ""),
        "signed_in": SIGNED_IN_WORDS.get(data["consent"].signed_language, ""),
        # What a recipient is told with what is shared (42 CFR 2.32(a)), to read.
        "notice": statement_1_in(get_language()),
    }
    return render(request, "coaching/consents/detail.html", context, status=status)


@require_GET
@role_required(Role.CLIENT)
def my_consent(request, pk):
    return _consent_page(request, pk)


@require_GET
@role_required(Role.CLIENT, *STAFF)
@deliberate_read
def consent_signed_copy(request, pk):
    """The consent as signed, as kept: the frozen text, byte for byte, for
    the client and the staff who see their consents (consent_for_viewing:
    404 otherwise, the read audited); signed in Spanish, it says so and
    carries the English text of the same consent after the Spanish
    (coaching.consent_copies.signed_copy_text). A draft has no signed copy
    (404)."""
    consent = selectors.consent_for_viewing(request.user, pk)["consent"]
    if consent.signed_at is None:
        raise Http404
    return attachment(
        signed_copy_text(consent),
        filename=f"consent-{consent.pk}-signed.txt",
        content_type="text/plain; charset=utf-8",
    )


@require_POST
@role_required(Role.CLIENT)
def consent_sign(request, pk):
    consent = get_object_or_404(selectors.consents_signable_by(request.user), pk=pk)
    form = ConsentSignForm(request.POST)
    sign = partial(
        services.consent_sign,
        actor=request.user,
        consent=consent,
        revision=request.POST.get("revision", ""),
    )
    if form_saved(form, sign):
        messages.success(request, _("Signed. You can revoke this consent at any time."))
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
                request, _("Revoked. Nothing more will be shared under this consent from now on.")
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


def _sent_forms(files, today, bound=None):
    """A "mark sent" form per unsent file (its own ids); `bound`, the one
    just refused, keeps what was typed."""
    return [
        (
            file,
            bound
            if bound is not None and bound.file_pk == file.pk
            else MarkSentForm(initial={"sent_on": today}, auto_id=f"file{file.pk}-%s"),
        )
        for file in files
    ]


def _disclosure_page(request, pk, *, status=200, range_form=None, sent_form=None):
    get_object_or_404(selectors.consents_managed_by(request.user), pk=pk)
    data = selectors.consent_for_viewing(request.user, pk)
    # The consent's end counts in the client's own day.
    consent = data["consent"]
    today = local_today(consent.client)
    in_force = consent.in_force_on(today)
    scope = consent_scope(consent, disclosed_by=organisation_name(), on_day=today)
    if range_form is None:
        range_form = DisclosureRangeForm(
            initial={"start": consent.information_from, "end": consent.information_to or today}
        )
    context = {
        **data,
        "permissions": selectors.permissions_for(request.user, consent),
        "in_force": in_force,
        "named": consent.recipient_id is not None,
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
        "range_form": range_form,
        "files": _sent_forms(outgoing_files_of(request.user, consent.pk), today, sent_form),
    }
    return render(request, "coaching/consents/disclose.html", context, status=status)


@require_GET
@role_required(*STAFF)
@deliberate_read
def consent_disclosure(request, pk):
    """What a disclosure under this consent would send, to whom, under the
    notice (42 CFR 2.32(a) Statement 1) and the consent's scope (2.32(b))
    the file carries; the days to send (within the consent's dates of
    information) and a button to download the file (consent_disclose); the
    files downloaded, each marked sent or with a form to mark it."""
    return _disclosure_page(request, pk)


@require_POST
@role_required(*STAFF)
def consent_disclose(request, pk):
    """The named-recipient file: a CSV of what the consent covers for its
    client on the days chosen, 42 CFR 2.32(a) Statement 1 at its head (its
    version next) and the consent's scope under it (2.32(b)), kept as an
    OutgoingFile; nothing counts as disclosed until it is marked sent.
    Refused: the page again with why, nothing kept."""
    consent = get_object_or_404(selectors.consents_managed_by(request.user), pk=pk)
    form = DisclosureRangeForm(request.POST)
    if not form.is_valid():
        return _disclosure_page(request, pk, status=400, range_form=form)
    try:
        outgoing = disclosures.consent_disclose(
            actor=request.user,
            consent=consent,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return _disclosure_page(request, pk, status=400, range_form=form)
    return _file_response(outgoing)


def _file_response(outgoing):
    return attachment(
        outgoing.file_text,
        filename=f"disclosure-{outgoing.client_id}-{outgoing.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_POST
@role_required(*STAFF)
def outgoing_file_download(request, pk):
    """A file downloaded before, again: exactly the text kept (audited)."""
    return _file_response(outgoing_file_for_viewing(request.user, pk))


@require_POST
@role_required(*STAFF)
def outgoing_file_sent(request, pk):
    """Mark a downloaded file sent (the day, how): the consent checked again
    and the Disclosure recorded then (42 CFR 2.25). Refused (a consent
    revoked since the download, marked already, a bad date): says why,
    nothing recorded."""
    outgoing = get_object_or_404(outgoing_files_managed_by(request.user), pk=pk)
    form = MarkSentForm(request.POST, auto_id=f"file{outgoing.pk}-%s")
    form.file_pk = outgoing.pk
    if not form.is_valid():
        return _disclosure_page(request, outgoing.consent_id, status=400, sent_form=form)
    try:
        disclosures.outgoing_file_mark_sent(
            actor=request.user,
            file_pk=outgoing.pk,
            sent_on=form.cleaned_data["sent_on"],
            sent_by=form.cleaned_data["sent_by"],
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return _disclosure_page(request, outgoing.consent_id, status=400, sent_form=form)
    messages.success(request, "Marked sent: the disclosure is recorded, and the client sees it.")
    return redirect("coaching:consent_disclosure", pk=outgoing.consent_id)
