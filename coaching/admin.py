from django import forms
from django.contrib import admin

from accounts.audit_admin import AuditedAdmin
from coaching.models import LifeArea, ProgrammePayer, Recipient, ReferralSource


@admin.register(LifeArea)
class LifeAreaAdmin(AuditedAdmin):
    """Admins edit the parts of life a plan's goals sit in. Plans themselves
    are not in the admin: people's words are read through the app, audited."""

    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]
    search_fields = ["name"]


@admin.register(ReferralSource)
class ReferralSourceAdmin(AuditedAdmin):
    """Admins edit where clients come from (an episode's intake). A source in
    use is switched off, not deleted: episodes keep where they came from."""

    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]
    search_fields = ["name"]


@admin.register(Recipient)
class RecipientAdmin(AuditedAdmin):
    """Admins keep the organisations a consent may name (payers, providers,
    agencies). A name is read-only once saved: past disclosures name the
    row, so renaming it would rewrite whom they went to; add a new one and
    switch the old one off instead. The people clients name are theirs and
    are not listed here."""

    list_display = ["name", "covered_entity", "position", "active"]
    list_editable = ["position", "active"]
    search_fields = ["name"]
    # The address goes on each disclosure to them (42 CFR 2.25; 45 CFR
    # 164.528(b)(2)(ii)); a covered entity or business associate gets the
    # 2.31(a)(4)(iii) statement on consents naming them.
    fields = ["name", "address", "covered_entity", "position", "active"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=Recipient.Kind.ORGANISATION)

    def get_readonly_fields(self, request, obj=None):
        return ["name"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        obj.kind = Recipient.Kind.ORGANISATION
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


# SBR09, the claim filing indicator (837P 2000B SBR09): the codes a peer
# recovery organisation's payers use.
FILING_CODES = [
    ("MC", "MC Medicaid"),
    ("HM", "HM Health maintenance organisation"),
    ("CI", "CI Commercial insurance"),
    ("BL", "BL Blue Cross / Blue Shield"),
    ("11", "11 Other non-federal programme (state or county grant)"),
    ("ZZ", "ZZ Mutually defined"),
]


class ProgrammePayerForm(forms.ModelForm):
    filing_code = forms.ChoiceField(label="Claim filing code (SBR09)", choices=FILING_CODES)

    class Meta:
        model = ProgrammePayer
        fields = [
            "programme",
            "recipient",
            "payer_id",
            "filing_code",
            "receiver_name",
            "receiver_id",
        ]
        help_texts = {
            "payer_id": "The payer's id as your clearinghouse lists it (837P 2010BB NM109).",
            "receiver_name": "Blank: the file goes to the payer itself.",
        }


@admin.register(ProgrammePayer)
class ProgrammePayerAdmin(AuditedAdmin):
    """Admins say who each billed funding programme's claims go to: an
    organisation on the list of recipients, which a client's consent must
    name for their sessions to go on the claim."""

    list_display = ["programme", "recipient", "payer_id", "filing_code", "receiver_name"]
    fields = ["programme", "recipient", "payer_id", "filing_code", "receiver_name", "receiver_id"]
    form = ProgrammePayerForm
