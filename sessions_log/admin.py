from django import forms
from django.contrib import admin

from accounts.audit_admin import AuditedAdmin
from sessions_log.models import FundingProgramme, PlaceType, ServiceCode, ServiceType, Session
from sessions_log.models.billing import DEFAULT_PLACE_CODES

# The CMS place-of-service codes (CMS "Place of Service Code Set") a peer
# recovery organisation gives services at; a programme maps each place a
# session can be given to one of them. coaching.x12 checks their shape again
# when a claim is written.
PLACE_OF_SERVICE_CODES = [
    ("02", "02 Telehealth provided other than in the patient's home"),
    ("03", "03 School"),
    ("04", "04 Homeless shelter"),
    ("10", "10 Telehealth provided in the patient's home"),
    ("11", "11 Office"),
    ("12", "12 Home"),
    ("14", "14 Group home"),
    ("15", "15 Mobile unit"),
    ("16", "16 Temporary lodging"),
    ("27", "27 Outreach site / street"),
    ("53", "53 Community mental health center"),
    ("55", "55 Residential substance abuse treatment facility"),
    ("57", "57 Non-residential substance abuse treatment facility"),
    ("58", "58 Non-residential opioid treatment facility"),
    ("99", "99 Other place of service"),
]
# Telehealth modifiers (CMS): 95 synchronous audio and video, 93 audio-only,
# GT (retired by Medicare in 2018) where a payer still asks; or none.
TELEHEALTH_MODIFIERS = [
    ("95", "95 (audio and video)"),
    ("93", "93 (audio only)"),
    ("GT", "GT (a payer that still asks for it)"),
    ("none", "None"),
]
TELEHEALTH_MODALITIES = [Session.Modality.VIDEO, Session.Modality.PHONE]


@admin.register(ServiceType)
class ServiceTypeAdmin(AuditedAdmin):
    """Admins edit the list of services coaches tick on notes. Notes and
    sessions are not in the admin: they are read through the app, audited."""

    list_display = ["name", "active"]
    list_editable = ["active"]
    search_fields = ["name"]


@admin.register(ServiceCode)
class ServiceCodeAdmin(AuditedAdmin):
    """Admins edit the billing codes and their descriptions. A code in use is
    switched off (coaches can no longer choose it), not deleted."""

    list_display = ["code", "modifiers", "description", "active"]
    list_editable = ["description", "active"]
    search_fields = ["code", "description"]


def _place_field(place: PlaceType) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=f"Place of service: {place.label}",
        choices=PLACE_OF_SERVICE_CODES,
        required=False,
        error_messages={"invalid_choice": "Choose a CMS place-of-service code from the list."},
    )


def _modifier_field(modality) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=f"Telehealth modifier: {modality.label}",
        choices=TELEHEALTH_MODIFIERS,
        required=False,
        error_messages={"invalid_choice": "Choose 95, 93, GT or none."},
    )


class FundingProgrammeForm(forms.ModelForm):
    """The contact modes a programme pays for, ticked from the session's
    list; a CMS place-of-service code per place a session is given; a
    telehealth modifier per remote contact mode. A field left out of a
    submission keeps the programme's current value."""

    billable_modalities = forms.MultipleChoiceField(
        label="Contact modes it pays for",
        choices=Session.Modality.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    place_office = _place_field(PlaceType.OFFICE)
    place_community = _place_field(PlaceType.COMMUNITY)
    place_home = _place_field(PlaceType.HOME)
    place_phone = _place_field(PlaceType.PHONE)
    place_video = _place_field(PlaceType.VIDEO)
    modifier_video = _modifier_field(Session.Modality.VIDEO)
    modifier_phone = _modifier_field(Session.Modality.PHONE)

    class Meta:
        model = FundingProgramme
        fields = [
            "name",
            "billed",
            "unit_rule",
            "daily_unit_cap",
            "billable_modalities",
            "fee_per_unit",
            "requires_prior_auth",
            "position",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = self.instance.place_codes or {}
        for place in PlaceType:
            self.fields[f"place_{place.value}"].initial = codes.get(
                place.value, DEFAULT_PLACE_CODES[place]
            )
        modifiers = self.instance.telehealth_modifiers or {}
        for modality in TELEHEALTH_MODALITIES:
            self.fields[f"modifier_{modality.value}"].initial = (
                modifiers.get(modality.value) or "none"
            )

    def clean(self):
        cleaned = super().clean()
        codes = dict(self.instance.place_codes or {})
        for place in PlaceType:
            chosen = cleaned.get(f"place_{place.value}")
            codes[place.value] = chosen or codes.get(place.value, DEFAULT_PLACE_CODES[place])
        modifiers = dict(self.instance.telehealth_modifiers or {})
        for modality in TELEHEALTH_MODALITIES:
            chosen = cleaned.get(f"modifier_{modality.value}")
            if chosen == "none":
                modifiers.pop(modality.value, None)
            elif chosen:
                modifiers[modality.value] = chosen
        self.instance.place_codes = codes
        self.instance.telehealth_modifiers = modifiers
        return cleaned


@admin.register(FundingProgramme)
class FundingProgrammeAdmin(AuditedAdmin):
    """Admins edit who pays for sessions and its contract: how minutes
    become units (sessions_log/units.py), the daily cap, the contact modes
    it pays for and the fee per unit. A programme that is billed has a
    payer (coaching's ProgrammePayer: whom its claims go to, and whom a
    client's consent must name); "None" is not billed."""

    form = FundingProgrammeForm

    list_display = ["name", "billed", "unit_rule", "daily_unit_cap", "position", "active"]
    list_editable = ["billed", "position", "active"]
    search_fields = ["name"]
