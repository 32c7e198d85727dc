"""Pages of people and access: teams, invitations (sending, revoking and
accepting), people (role, team, activation), the audit trail and, for each
client, who viewed their record."""

from functools import partial

from allauth.account.internal.flows.login import perform_login, record_authentication
from allauth.account.models import Login
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import (
    AuditFilterForm,
    ClientInvitationForm,
    CredentialForm,
    InvitationAcceptForm,
    InvitationRevokeForm,
    PayerIdentityForm,
    PeopleFilterForm,
    PersonAccessForm,
    PersonChangeForm,
    PersonRefForm,
    StaffInvitationForm,
    TeamForm,
    add_service_errors,
    form_saved,
)
from accounts.models import Role
from accounts.policy import role_required
from common.paging import page_of

_SENT = "Invitation sent to {email}. The link works once and expires in {days} days."
_NOT_SENT = (
    "The email could not be sent just now, so nothing was saved. Please try again in a few minutes."
)
_TOO_MANY = (
    "You have sent {limit} invitations in the last hour, the most allowed, so this one "
    "was not sent. Please try again in {minutes} minute{plural}."
)


def _invite_client_page(request, form, status):
    """A coach's invitation that could not be sent, with its message (the
    form also sits on the coach's home, which belongs to the layer above)."""
    context = {
        "form": form,
        "invitations": selectors.invitations_visible_to(request.user)[:20],
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "accounts/invite_client.html", context, status=status)


def _manage_page(request, invite_form=None, team_form=None, status=200):
    teams = selectors.teams_visible_to(request.user)
    context = {
        "teams": teams,
        "invitations": selectors.invitations_visible_to(request.user)[:50],
        "invite_form": invite_form or StaffInvitationForm(teams=teams),
        "team_form": team_form or TeamForm(),
    }
    return render(request, "accounts/manage.html", context, status=status)


@require_GET
@role_required(Role.SUPERVISOR)
def team(request):
    context = {
        "team": request.user.team,
        "coaches": selectors.coaches_supervised_by(request.user),
    }
    return render(request, "accounts/team.html", context)


@require_GET
@role_required(Role.ADMIN)
def manage(request):
    return _manage_page(request)


@require_POST
@role_required(Role.ADMIN, Role.COACH)
def invitation_create(request):
    actor = request.user
    if actor.role == Role.COACH:
        form = ClientInvitationForm(request.POST)
        page = _invite_client_page
        home = settings.HOME_URL_NAMES[Role.COACH]
    else:
        form = StaffInvitationForm(request.POST, teams=selectors.teams_visible_to(actor))
        page = _manage_page
        home = "accounts:manage"
    if not form.is_valid():
        return page(request, form, status=400)
    data = form.cleaned_data
    try:
        services.invitation_create(
            actor=actor,
            email=data["email"],
            role=data.get("role", Role.CLIENT),
            team=data.get("team"),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return page(request, form, status=400)
    except services.EmailNotSent:
        form.add_error(None, _NOT_SENT)
        return page(request, form, status=503)
    except services.InvitationRateLimited as error:
        minutes = error.retry_after_minutes
        message = _TOO_MANY.format(
            limit=services.INVITATIONS_PER_HOUR, minutes=minutes, plural="s" if minutes != 1 else ""
        )
        form.add_error(None, message)
        return page(request, form, status=429)
    messages.success(
        request, _SENT.format(email=data["email"], days=settings.INVITATION_VALID_DAYS)
    )
    return redirect(home)


@require_POST
@role_required(Role.ADMIN, Role.COACH)
def invitation_revoke(request):
    """Withdraw a pending invitation from the list that shows it (the
    coach's home, or /manage/ for admins); someone else's is a 404."""
    home = settings.HOME_URL_NAMES[request.user.role]
    form = InvitationRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the invitation to revoke.")
        return redirect(home)
    invitation = get_object_or_404(
        selectors.invitations_visible_to(request.user), pk=form.cleaned_data["invitation"]
    )
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"The invitation to {invitation.email} is revoked: its link no longer works."
        )
    return redirect(home)


@require_POST
@role_required(Role.ADMIN)
def team_create(request):
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = services.team_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Team “{team.name}” created.")
            return redirect("accounts:manage")
    return _manage_page(request, team_form=form, status=400)


_UNUSABLE = {
    "unknown": (
        404,
        "This invitation link is not valid. Check that you copied all of it, "
        "or ask the person who invited you for a new one.",
    ),
    "revoked": (
        410,
        "This invitation link no longer works: it was withdrawn or replaced by a newer one. "
        "Use the link in the most recent email you received, or ask the person who invited you.",
    ),
    "expired": (
        410,
        "This invitation link has expired. Ask the person who invited you to send a new one.",
    ),
    "used": (
        410,
        "This invitation link has already been used. If you set up your account, sign in instead.",
    ),
}


def _unusable(request, reason):
    status, message = _UNUSABLE[reason]
    return render(request, "accounts/invitation_unusable.html", {"message": message}, status=status)


# The page behind a link that creates an account: never kept by a browser or
# a proxy, whoever opens it.
@cache_control(no_store=True)
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_signed_in.html", status=409)
    try:
        invitation = services.invitation_check(token)
    except services.InvitationUnusable as error:
        return _unusable(request, error.reason)

    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except services.InvitationUnusable as error:
            return _unusable(request, error.reason)
        # Choosing the password just now counts as signing in with it, and as
        # the recent re-authentication allauth asks for before MFA set-up.
        record_authentication(
            request, user, method="password", email=user.email, reauthenticated=True
        )
        return perform_login(request, Login(user=user, email_verification="none"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=status,
    )


# People: admins see everyone and change a staff member's role or team, or
# whether someone may sign in, through the audited services.


@require_GET
@role_required(Role.ADMIN)
def people(request):
    form = PeopleFilterForm(request.GET or None)
    people = selectors.people_managed_by(request.user)
    status = 200
    if form.is_bound and not form.is_valid():
        people, status = people.none(), 400
    else:
        people = form.apply(people)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page_of(people, request.GET.get("page")),
        "query": query.urlencode(),
    }
    return render(request, "accounts/people.html", context, status=status)


_A_ROLE = {Role.COACH: "a coach", Role.SUPERVISOR: "a supervisor", Role.ADMIN: "an admin"}


def _clients(count: int) -> str:
    return f"{count} client{'s' if count != 1 else ''}"


def _person_page(
    request, person, change_form=None, status=200, credential_form=None, payer_form=None
):
    teams = selectors.teams_visible_to(request.user)
    if change_form is None:
        initial = {"role": person.role, "team": person.team_id}
        change_form = PersonChangeForm(teams=teams, initial=initial)
    identity = None
    if person.role == Role.CLIENT:
        identity = selectors.payer_identity_of(request.user, person)
        if payer_form is None:
            payer_form = PayerIdentityForm(
                initial={
                    "date_of_birth": identity.date_of_birth if identity else None,
                    "member_id": identity.member_id if identity else "",
                }
            )
    context = {
        "person": person,
        "change_form": change_form,
        "credential_form": credential_form
        or CredentialForm(initial={"credential": person.credential}),
        "payer_identity": identity,
        "payer_form": payer_form,
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "accounts/person.html", context, status=status)


@require_GET
@role_required(Role.ADMIN)
def person(request, pk):
    person = get_object_or_404(selectors.people_managed_by(request.user), pk=pk)
    return _person_page(request, person)


def _person_posted(request):
    """The person a form on their page is about (its hidden `person` field):
    None when the field is not a person's id, a 404 when nobody the admin
    manages has it."""
    form = PersonRefForm(request.POST)
    if not form.is_valid():
        return None
    return get_object_or_404(
        selectors.people_managed_by(request.user), pk=form.cleaned_data["person"]
    )


@require_POST
@role_required(Role.ADMIN)
def person_change(request):
    person = _person_posted(request)
    if person is None:
        messages.error(request, "Choose the person to change.")
        return redirect("accounts:people")
    if person.role == Role.CLIENT:
        messages.error(request, "A client's role and team cannot be changed.")
        return _person_page(request, person, status=400)
    form = PersonChangeForm(request.POST, teams=selectors.teams_visible_to(request.user))
    if not form.is_valid():
        return _person_page(request, person, form, status=400)
    role, team = form.cleaned_data["role"], form.cleaned_data["team"]
    try:
        if role != person.role:
            services.user_role_change(actor=request.user, user=person, role=role, team=team)
            done = f"{person.display_name} is now {_A_ROLE[role]}."
        elif team is not None and team.pk != person.team_id:
            services.user_team_change(actor=request.user, user=person, team=team)
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


@require_POST
@role_required(Role.ADMIN)
def person_credential(request):
    person = _person_posted(request)
    if person is None:
        messages.error(request, "Choose the person to change.")
        return redirect("accounts:people")
    form = CredentialForm(request.POST)
    if form_saved(form, partial(services.user_credential_set, actor=request.user, user=person)):
        messages.success(request, "Credential saved.")
        return redirect("accounts:person", pk=person.pk)
    return _person_page(request, person, status=400, credential_form=form)


@require_POST
@role_required(Role.ADMIN)
def person_payer_identity(request):
    person = _person_posted(request)
    if person is None:
        messages.error(request, "Choose the person to change.")
        return redirect("accounts:people")
    form = PayerIdentityForm(request.POST)
    if form_saved(form, partial(services.payer_identity_set, actor=request.user, client=person)):
        messages.success(request, "Payer details saved.")
        return redirect("accounts:person", pk=person.pk)
    return _person_page(request, person, status=400, payer_form=form)


@require_POST
@role_required(Role.ADMIN)
def person_access(request):
    person = _person_posted(request)
    if person is None:
        messages.error(request, "Choose the person to change.")
        return redirect("accounts:people")
    form = PersonAccessForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to deactivate or reactivate this account.")
        return redirect("accounts:person", pk=person.pk)
    try:
        if form.cleaned_data["access"] == "deactivate":
            services.user_deactivate(actor=request.user, user=person)
            done = f"{person.display_name} is deactivated and signed out everywhere."
            if person.active_clients:
                done += (
                    f" They still have {_clients(person.active_clients)}: "
                    "their supervisor should reassign them."
                )
        else:
            services.user_activate(actor=request.user, user=person)
            done = f"{person.display_name} can sign in again."
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("accounts:person", pk=person.pk)


# The audit trail: for admins (everything) and supervisors (their team),
# and, for each client, who has looked at or changed their record.


@require_GET
@role_required(Role.ADMIN, Role.SUPERVISOR)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_events_visible_to(request.user)
    status = 200
    if form.is_bound:
        if form.is_valid():
            events = form.apply(events)
        else:
            events, status = events.none(), 400
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "accounts/audit_log.html", context, status=status)


@require_GET
@role_required(Role.CLIENT)
def record_views(request):
    page = Paginator(selectors.record_views_of(request.user), 50).get_page(request.GET.get("page"))
    identity = selectors.payer_identity_of(request.user, request.user)
    return render(request, "accounts/record_views.html", {"page": page, "payer_identity": identity})
