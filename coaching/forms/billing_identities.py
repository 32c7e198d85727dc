"""The organisation's and a coach's billing identity. The services check
each value (NPI check digit, tax id, taxonomy, ZIP+4, phone) and their
refusals show on these fields."""

from django import forms


class BillingOrganisationForm(forms.Form):
    name = forms.CharField(label="Organisation's legal name", max_length=60)
    address_line1 = forms.CharField(label="Address", max_length=55)
    address_line2 = forms.CharField(label="Address, line 2", max_length=55, required=False)
    city = forms.CharField(max_length=30)
    state = forms.CharField(label="State (2 letters)", max_length=2)
    postal_code = forms.CharField(
        label="ZIP+4", max_length=10, help_text="9 digits, e.g. 62701-1234."
    )
    npi = forms.CharField(label="Billing NPI (organisation)", max_length=10)
    tax_id = forms.CharField(label="Tax id (EIN)", max_length=10, help_text="e.g. 12-3456789.")
    taxonomy = forms.CharField(
        label="Taxonomy code", max_length=10, help_text="NUCC code, e.g. 175T00000X."
    )
    submitter_id = forms.CharField(
        label="Submitter id",
        max_length=80,
        help_text="As your clearinghouse or payer knows you.",
    )
    contact_name = forms.CharField(label="Billing contact", max_length=60)
    contact_phone = forms.CharField(label="Billing contact's phone", max_length=20)


class ProviderIdentityForm(forms.Form):
    last_name = forms.CharField(label="Legal last name", max_length=60)
    first_name = forms.CharField(label="Legal first name", max_length=35)
    npi = forms.CharField(label="Rendering NPI (individual)", max_length=10)
    taxonomy = forms.CharField(
        label="Taxonomy code", max_length=10, help_text="NUCC code, e.g. 175T00000X."
    )
    credential = forms.CharField(
        label="Credential", max_length=20, required=False, help_text="e.g. CPRS."
    )
