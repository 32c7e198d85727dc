"""The programme's contract in the admin: a CMS place-of-service code per
place a session is given (CMS "Place of Service Code Set": 02 and 10
telehealth, 11 office, 12 home, 99 other), a telehealth modifier per remote
mode (95 audio and video, 93 audio only, GT, or none: CMS telehealth
modifiers, Pub 100-04 ch. 12 §190), and whether it needs prior authorisation;
and the payer's ids in coaching's ProgrammePayer admin (837P 2010BB NM109,
2000B SBR09)."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from coaching.models import ProgrammePayer, Recipient
from sessions_log.models import FundingProgramme
from tests.helpers import sign_in


def _post(medicaid, **changes):
    data = model_to_dict(medicaid, ["name", "unit_rule", "daily_unit_cap", "fee_per_unit"])
    data |= {"billed": "on", "position": medicaid.position, "active": "on"}
    data["billable_modalities"] = medicaid.billable_modalities
    data["fee_per_unit"] = data["fee_per_unit"] or "20.00"
    return data | changes


@pytest.mark.django_db
def test_admins_map_places_and_modes_to_codes(client, admin_user):
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    sign_in(client, admin_user)
    url = reverse("admin:sessions_log_fundingprogramme_change", args=[medicaid.pk])
    page = client.get(url).content.decode()
    assert "Place of service: Video" in page and "Telehealth modifier: Phone" in page

    response = client.post(
        url,
        _post(
            medicaid,
            place_video="02",
            place_community="27",
            modifier_video="GT",
            modifier_phone="none",
            requires_prior_auth="on",
        ),
    )

    assert response.status_code == 302
    medicaid.refresh_from_db()
    assert medicaid.place_codes == {
        "office": "11",
        "community": "27",
        "home": "12",
        "phone": "10",
        "video": "02",
    }
    assert medicaid.telehealth_modifiers == {"video": "GT"}
    assert medicaid.requires_prior_auth is True


@pytest.mark.django_db
def test_a_code_not_on_the_list_is_refused(client, admin_user):
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    before = dict(medicaid.place_codes)
    sign_in(client, admin_user)
    url = reverse("admin:sessions_log_fundingprogramme_change", args=[medicaid.pk])
    response = client.post(url, _post(medicaid, place_office="1A", modifier_video="25"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a CMS place-of-service code from the list." in page
    assert "Choose 95, 93, GT or none." in page
    medicaid.refresh_from_db()
    assert medicaid.place_codes == before


@pytest.mark.django_db
def test_admins_give_the_payer_its_ids(client, admin_user):
    medicaid = FundingProgramme.objects.get(name="Medicaid")
    payer = Recipient.objects.create(name="State Medicaid", kind=Recipient.Kind.ORGANISATION)
    link = ProgrammePayer.objects.create(programme=medicaid, recipient=payer)
    sign_in(client, admin_user)
    url = reverse("admin:coaching_programmepayer_change", args=[link.pk])
    fields = {"programme": medicaid.pk, "recipient": payer.pk, "payer_id": "ILMCD"}
    response = client.post(url, fields | {"filing_code": "XX"})
    assert response.status_code == 200
    response = client.post(url, fields | {"filing_code": "HM", "receiver_name": "Clearing Co"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.payer_id, link.filing_code, link.receiver_name) == ("ILMCD", "HM", "Clearing Co")
