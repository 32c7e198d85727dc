import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, Role, Team, User

_TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class StaffRoleForm(forms.Form):
    """A staff role and the team that goes with it: coaches and supervisors
    belong to one, admins to none."""

    role = forms.ChoiceField(
        label="Role",
        choices=[
            (Role.COACH, "Coach"),
            (Role.SUPERVISOR, "Supervisor"),
            (Role.ADMIN, "Admin"),
        ],
    )
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        required=False,
        help_text="Required for coaches and supervisors; admins have none.",
    )
    team_missing = "Choose the team this person belongs to."

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        role, team = data.get("role"), data.get("team")
        if role in (Role.COACH, Role.SUPERVISOR) and team is None:
            self.add_error("team", self.team_missing)
        if role == Role.ADMIN and team is not None:
            self.add_error("team", "Admins do not belong to a team; leave this empty.")
        return data


class StaffInvitationForm(StaffRoleForm):
    email = forms.EmailField(label="Email address", max_length=254)
    team_missing = "Choose the team this person joins."
    field_order = ["email", "role", "team"]


class InvitationRevokeForm(forms.Form):
    invitation = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class PeopleFilterForm(forms.Form):
    who = forms.ChoiceField(
        label="Show",
        choices=[("staff", "Staff"), ("clients", "Clients")],
        required=False,
    )
    q = forms.CharField(label="Name or email contains", required=False, max_length=254)

    def apply(self, people):
        """Staff (the default) or clients, whose name or email contains q."""
        data = self.cleaned_data if self.is_bound else {}
        if data.get("who") == "clients":
            people = people.filter(role=Role.CLIENT)
        else:
            people = people.filter(role__in=STAFF_ROLES)
        text = (data.get("q") or "").strip()
        if text:
            people = people.filter(Q(display_name__icontains=text) | Q(email__icontains=text))
        return people


class PersonRefForm(forms.Form):
    person = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class PersonChangeForm(StaffRoleForm):
    """A staff member's role and team (accounts.services.user_role_change and
    user_team_change say what is allowed)."""


class CredentialForm(forms.Form):
    credential = forms.CharField(
        label="Credential",
        max_length=20,
        required=False,
        help_text="As certified, e.g. CPRS or CRPS. Signed notes and claims carry it.",
    )


class PayerIdentityForm(forms.Form):
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    member_id = forms.CharField(label="Payer member id", max_length=40, required=False)
    legal_last_name = forms.CharField(
        label="Legal last name", max_length=60, required=False, help_text="As on their card."
    )
    legal_first_name = forms.CharField(label="Legal first name", max_length=35, required=False)
    sex = forms.ChoiceField(
        label="Sex (as the payer records it)",
        choices=[("", "Not recorded"), ("F", "F"), ("M", "M"), ("U", "U (unknown)")],
        required=False,
        error_messages={"invalid_choice": "Choose F, M or U."},
    )
    address_line1 = forms.CharField(label="Address", max_length=55, required=False)
    address_line2 = forms.CharField(label="Address, line 2", max_length=55, required=False)
    city = forms.CharField(max_length=30, required=False)
    state = forms.CharField(label="State (2 letters)", max_length=2, required=False)
    postal_code = forms.CharField(
        label="ZIP code", max_length=10, required=False, help_text="5 digits, or ZIP+4."
    )


class PersonAccessForm(forms.Form):
    access = forms.ChoiceField(choices=[("deactivate", "Deactivate"), ("reactivate", "Reactivate")])


class ClientInvitationForm(forms.Form):
    # Its fields, labels and choices are the same for every viewer: its
    # blank rendering is kept per language ({% form_fields %}, on the
    # coach's home).
    kept_blank = True

    email = forms.EmailField(label=_("Client's email address"), max_length=254)
    # The coach asks the client which language they read; the email, the
    # page behind its link and the new account speak it.
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,  # none given: the site's default (LANGUAGE_CODE)
        help_text=_(
            "The email and the new account are in this language. The client can change it."
        ),
    )


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=100)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter a name for the team.")
        return name


class InvitationAcceptForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        help_text=_("How you would like to be called in the app."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        choices=[(zone, zone.replace("_", " ")) for zone in _TIME_ZONES],
        initial=settings.TIME_ZONE,
        help_text=_("Appointment times are shown in this time zone."),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. Avoid common passwords and your name."),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["time_zone"].widget.attrs["data-detect-timezone"] = "true"

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are different."))
        elif password1:
            # Validate against the person being created, so similarity checks work.
            candidate = User(email=self.email, display_name=data.get("display_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class AuditFilterForm(forms.Form):
    person = forms.CharField(label="Done by (email)", required=False, max_length=254)
    client = forms.CharField(label="About client (email)", required=False, max_length=254)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To (inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end date must not be before the start date.")
        return data

    def apply(self, events):
        data = self.cleaned_data
        if data.get("person"):
            events = events.filter(actor__email__iexact=data["person"].strip())
        if data.get("client"):
            # About them alone, or on a page's list (client_ids).
            named = User.objects.filter(email__iexact=data["client"].strip()).values("pk")
            events = events.filter(
                Q(client__in=named) | Q(client_ids__overlap=ArraySubquery(named))
            )
        if data.get("start"):
            events = events.filter(at__date__gte=data["start"])
        if data.get("end"):
            events = events.filter(at__date__lte=data["end"])
        return events


def add_service_errors(form, error: ValidationError, field_for: dict | None = None) -> None:
    """Show a service's refusal on the form: an error about an argument goes
    on the field a person filled in for it, the rest above the form. Fields
    are named as the service's arguments, or `field_for` maps the arguments
    that have a field (the others go above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = name if field_for is None else field_for.get(name)
        form.add_error(field if field in form.fields else None, errors)


def form_saved(form, save) -> bool:
    """Whether `form` is valid and `save(**form.cleaned_data)` (a service,
    its other arguments bound) accepted it; a refusal goes on the form
    (add_service_errors), for the page to show it again."""
    if not form.is_valid():
        return False
    try:
        save(**form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


class PeriodForm(forms.Form):
    """A period of whole days, `start` to `end` inclusive, at most
    `max_days` apart (a subclass sets both and what to say)."""

    max_days = 366
    too_long = "Choose at most a year; export a longer time in parts."

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end date must not be before the start date.")
            elif (end - start).days > self.max_days:
                self.add_error("end", self.too_long)
        return data


class ReviewPeriodForm(PeriodForm):
    """A compliance review's days: at most a year (one file an admin can
    open; a longer review is several)."""


class BreachReportForm(PeriodForm):
    account = forms.EmailField(label="Account (email)", max_length=254)

    field_order = ["account", "start", "end"]
