"""Billing identities for the staff who bill (admins): the organisation's
(one form) and each coach's rendering identity (a page per coach)."""

from functools import partial

from django.contrib import messages
from django.forms.models import model_to_dict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import form_saved
from accounts.models import Role
from accounts.policy import role_required
from coaching.forms.billing_identities import BillingOrganisationForm, ProviderIdentityForm
from coaching.selectors import billing_identities as selectors
from coaching.services import billing_identities as services

BILLERS = (Role.ADMIN,)
_ORGANISATION_FIELDS = list(BillingOrganisationForm.base_fields)
_PROVIDER_FIELDS = ["last_name", "first_name", "npi", "taxonomy"]


@require_http_methods(["GET", "POST"])
@role_required(*BILLERS)
def identities(request):
    """The organisation's billing identity (saved here) and the coaches'
    rendering identities, each with a link to its page."""
    organisation = selectors.billing_organisation_for_viewing(request.user)
    if request.method == "POST":
        form = BillingOrganisationForm(request.POST)
        saved = partial(services.billing_organisation_set, actor=request.user)
        if form_saved(form, saved):
            messages.success(request, "The organisation's billing identity is saved.")
            return redirect("coaching:billing_identities")
        status = 400
    else:
        initial = model_to_dict(organisation, _ORGANISATION_FIELDS) if organisation else {}
        form, status = BillingOrganisationForm(initial=initial), 200
    context = {
        "form": form,
        "organisation": organisation,
        "coaches": selectors.coaches_for_billing(request.user),
        "permissions": selectors.permissions_for(request.user),
    }
    return render(request, "coaching/billing/identities.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*BILLERS)
def provider_identity(request, pk):
    """A coach's legal name, rendering NPI, taxonomy and credential."""
    coach = selectors.provider_coach_for_viewing(request.user, pk)
    identity = getattr(coach, "provider_identity", None)
    if request.method == "POST":
        form = ProviderIdentityForm(request.POST)
        saved = partial(services.provider_identity_set, actor=request.user, coach=coach)
        if form_saved(form, saved):
            messages.success(request, f"{coach.display_name}'s billing identity is saved.")
            return redirect("coaching:billing_identities")
        status = 400
    else:
        initial = model_to_dict(identity, _PROVIDER_FIELDS) if identity else {}
        form = ProviderIdentityForm(initial={**initial, "credential": coach.credential})
        status = 200
    context = {"form": form, "coach": coach, "identity": identity}
    return render(request, "coaching/billing/provider.html", context, status=status)
