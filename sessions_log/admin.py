from django import forms
from django.contrib import admin

from sessions_log.models import FundingProgramme, ServiceCode, ServiceType, Session


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    """Admins edit the list of services coaches tick on notes. Notes and
    sessions are not in the admin: they are read through the app, audited."""

    list_display = ["name", "active"]
    list_editable = ["active"]
    search_fields = ["name"]


@admin.register(ServiceCode)
class ServiceCodeAdmin(admin.ModelAdmin):
    """Admins edit the billing codes and their descriptions. A code in use is
    switched off (coaches can no longer choose it), not deleted."""

    list_display = ["code", "modifiers", "description", "active"]
    list_editable = ["description", "active"]
    search_fields = ["code", "description"]


class FundingProgrammeForm(forms.ModelForm):
    """The contact modes a programme pays for, ticked from the session's list."""

    billable_modalities = forms.MultipleChoiceField(
        label="Contact modes it pays for",
        choices=Session.Modality.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = FundingProgramme
        fields = [
            "name",
            "billed",
            "unit_rule",
            "daily_unit_cap",
            "billable_modalities",
            "fee_per_unit",
            "position",
            "active",
        ]


@admin.register(FundingProgramme)
class FundingProgrammeAdmin(admin.ModelAdmin):
    """Admins edit who pays for sessions and its contract: how minutes
    become units (sessions_log/units.py), the daily cap, the contact modes
    it pays for and the fee per unit. A programme that is billed has a
    payer (coaching's ProgrammePayer: whom its claims go to, and whom a
    client's consent must name); "None" is not billed."""

    form = FundingProgrammeForm
    list_display = ["name", "billed", "unit_rule", "daily_unit_cap", "position", "active"]
    list_editable = ["billed", "position", "active"]
    search_fields = ["name"]
