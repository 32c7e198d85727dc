"""Consents on paper, for staff: the printable sheet of a draft consent
(the words the app shows, with signature lines), recording the paper
signature with its scan, and downloading a consent's scan (audited)."""

from functools import partial

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import form_saved
from accounts.middleware import confirm_open, deliberate_read, navigation_is_deliberate
from accounts.models import Role
from accounts.policy import role_required
from coaching.consent_wording import consent_language
from coaching.forms.paper_consents import PaperSignatureForm
from coaching.selectors import consents as selectors
from coaching.selectors.consent_documents import consent_document_for_viewing
from coaching.services.consents import consent_revision
from coaching.services.paper_consents import consent_sign_on_paper
from coaching.views.consents import AUTHORITY_WORDS, SIGNED_IN_WORDS
from common.downloads import attachment

STAFF = (Role.COACH, Role.SUPERVISOR)


@require_GET
@role_required(*STAFF)
@deliberate_read
def consent_print(request, pk):
    """A draft consent as a sheet to print and take to the client: the same
    sections they would read in the app, and lines to sign. A signed one
    prints as it was signed (its frozen text)."""
    get_object_or_404(selectors.consents_managed_by(request.user), pk=pk)
    data = selectors.consent_for_viewing(request.user, pk)
    context = {
        **data,
        # The sheet in the client's language (its words, and its lines).
        "consent_language": consent_language(data["consent"]),
        "authorities": list(AUTHORITY_WORDS.items()),
        "signed_in": SIGNED_IN_WORDS.get(data["consent"].signed_language, ""),
        "reference": _reference(data),
    }
    return render(request, "coaching/consents/print.html", context)


def _reference(data: dict) -> str:
    """A draft's words in short, printed on its sheet and shown where its
    signature is recorded: staff see whether the paper holds the words the
    consent holds now (the start of consent_revision)."""
    return consent_revision(data["sections"])[:12] if data["sections"] else ""


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def consent_paper_signature(request, pk):
    """GET the form; POST records the paper signature and its scan."""
    consent = get_object_or_404(selectors.consents_managed_by(request.user), pk=pk)
    if request.method == "GET" and not navigation_is_deliberate(request):
        return confirm_open(request)  # as deliberate_read: the page reads the client's consent
    form, status = PaperSignatureForm(request.POST or None, request.FILES or None), 200
    if request.method == "POST":
        record = partial(
            _sign,
            actor=request.user,
            consent=consent,
            revision=request.POST.get("revision", ""),
        )
        if form_saved(form, record):
            messages.success(request, "Recorded. The consent is signed and the scan is kept.")
            return redirect("coaching:client_consents", pk=consent.client_id)
        status = 400
    data = selectors.consent_for_viewing(request.user, pk)
    # What the form posts: the consent's words as they stand when the page
    # is shown (the sheet printed from them; changed since, refused).
    revision = consent_revision(data["sections"]) if data["sections"] else ""
    context = {**data, "form": form, "revision": revision, "reference": revision[:12]}
    return render(request, "coaching/consents/paper_signature.html", context, status=status)


def _sign(*, actor, consent, revision, signed_by_name, authority, signed_on, scan):
    return consent_sign_on_paper(
        actor=actor,
        consent=consent,
        signed_by_name=signed_by_name,
        authority=authority,
        signed_on=signed_on,
        scan=scan,
        revision=revision,
    )


@require_GET
@role_required(Role.CLIENT, *STAFF)
@deliberate_read
def consent_document(request, pk):
    """A consent's scan, as a download: for whoever sees the consent (404
    otherwise), each read audited (consent_document_for_viewing)."""
    data = consent_document_for_viewing(request.user, pk)
    return attachment(
        data["data"], filename=data["filename"], content_type=data["document"].content_type
    )
