"""People: admins see everyone and change a staff member's role or team,
whether someone may sign in, a credential or a client's payer details,
through the audited services."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import (
    CredentialForm,
    PayerIdentityForm,
    PeopleFilterForm,
    PersonAccessForm,
    PersonChangeForm,
    PersonRefForm,
    add_service_errors,
    form_saved,
)
from accounts.middleware import deliberate_read
from accounts.models import Role
from accounts.policy import role_required
from accounts.selectors import people as people_selectors
from accounts.selectors.payer import payer_identity_for_viewing
from accounts.selectors.teams import teams_visible_to
from accounts.services import payer as payer_services
from accounts.services import people as people_services


@require_GET
@role_required(Role.ADMIN)
def people(request):
    form = PeopleFilterForm(request.GET or None)
    people = people_selectors.people_managed_by(request.user)
    status = 200
    if form.is_bound and not form.is_valid():
        people, status = people.none(), 400
    else:
        people = form.apply(people)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": people_selectors.people_page_for_viewing(
            request.user, people, request.GET.get("page")
        ),
        "query": query.urlencode(),
    }
    return render(request, "accounts/people.html", context, status=status)


_A_ROLE = {Role.COACH: "a coach", Role.SUPERVISOR: "a supervisor", Role.ADMIN: "an admin"}


def _clients(count: int) -> str:
    return f"{count} client{'s' if count != 1 else ''}"


def _person_page(
    request, person, change_form=None, status=200, credential_form=None, payer_form=None
):
    permissions = people_selectors.permissions_for(request.user, person)
    if change_form is None:
        initial = {"role": person.role, "team": person.team_id}
        change_form = PersonChangeForm(teams=teams_visible_to(request.user), initial=initial)
    identity = None
    if permissions.can_set_payer_identity:
        identity = payer_identity_for_viewing(request.user, person)
        if payer_form is None:
            fields = list(PayerIdentityForm.base_fields)
            payer_form = PayerIdentityForm(
                initial={name: getattr(identity, name) for name in fields} if identity else {}
            )
    context = {
        "person": person,
        "permissions": permissions,
        "change_form": change_form,
        "credential_form": credential_form
        or CredentialForm(initial={"credential": person.credential}),
        "payer_identity": identity,
        "payer_form": payer_form,
    }
    return render(request, "accounts/person.html", context, status=status)


@require_GET
@role_required(Role.ADMIN)
@deliberate_read  # it reads (and records reading) a client's payer details
def person(request, pk):
    return _person_page(request, people_selectors.person_for_viewing(request.user, pk))


def _person_posted(request):
    """The person a form on their page is about (its hidden `person` field):
    None when the field is not a person's id, a 404 when nobody the admin
    manages has it."""
    form = PersonRefForm(request.POST)
    if not form.is_valid():
        return None
    return people_selectors.person_for_viewing(request.user, form.cleaned_data["person"])


def _no_person(request):
    messages.error(request, "Choose the person to change.")
    return redirect("accounts:people")


@require_POST
@role_required(Role.ADMIN)
def person_change(request):
    person = _person_posted(request)
    if person is None:
        return _no_person(request)
    if not people_selectors.permissions_for(request.user, person).can_change_role:
        messages.error(request, "A client's role and team cannot be changed.")
        return _person_page(request, person, status=400)
    form = PersonChangeForm(request.POST, teams=teams_visible_to(request.user))
    if not form.is_valid():
        return _person_page(request, person, form, status=400)
    role, team = form.cleaned_data["role"], form.cleaned_data["team"]
    try:
        if role != person.role:
            people_services.user_role_change(actor=request.user, user=person, role=role, team=team)
            done = f"{person.display_name} is now {_A_ROLE[role]}."
        elif team is not None and team.pk != person.team_id:
            people_services.user_team_change(actor=request.user, user=person, team=team)
            done = f"{person.display_name} is now in {team.name}."
            if person.active_clients:
                done += f" Their {_clients(person.active_clients)} moved with them."
        else:
            form.add_error(None, "Nothing to change: this is their role and team already.")
            return _person_page(request, person, form, status=400)
    except ValidationError as error:
        add_service_errors(form, error)
        return _person_page(request, person, form, status=400)
    messages.success(request, done)
    return redirect("accounts:person", pk=person.pk)


def _person_form(request, form_class, change, *, saved: str, form_name: str):
    """A person-page form whose valid data one service saves: back to the
    page saying `saved`, or the page again with the service's refusal on the
    form (shown as `form_name`)."""
    person = _person_posted(request)
    if person is None:
        return _no_person(request)
    form = form_class(request.POST)
    if form_saved(form, change(request.user, person)):
        messages.success(request, saved)
        return redirect("accounts:person", pk=person.pk)
    return _person_page(request, person, status=400, **{form_name: form})


@require_POST
@role_required(Role.ADMIN)
def person_credential(request):
    def change(actor, person):
        return partial(people_services.user_credential_set, actor=actor, user=person)

    return _person_form(
        request, CredentialForm, change, saved="Credential saved.", form_name="credential_form"
    )


@require_POST
@role_required(Role.ADMIN)
def person_payer_identity(request):
    def change(actor, person):
        return partial(payer_services.payer_identity_set, actor=actor, client=person)

    return _person_form(
        request, PayerIdentityForm, change, saved="Payer details saved.", form_name="payer_form"
    )


@require_POST
@role_required(Role.ADMIN)
def person_access(request):
    person = _person_posted(request)
    if person is None:
        return _no_person(request)
    form = PersonAccessForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to deactivate or reactivate this account.")
        return redirect("accounts:person", pk=person.pk)
    try:
        if form.cleaned_data["access"] == "deactivate":
            people_services.user_deactivate(actor=request.user, user=person)
            done = f"{person.display_name} is deactivated and signed out everywhere."
            if person.active_clients:
                done += (
                    f" They still have {_clients(person.active_clients)}: "
                    "their supervisor should reassign them."
                )
        else:
            people_services.user_activate(actor=request.user, user=person)
            done = f"{person.display_name} can sign in again."
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("accounts:person", pk=person.pk)
