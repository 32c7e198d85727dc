"""A client's payer details on their person page are read (and the read
recorded in the client's "Who viewed my record") only when the admin opened
the page on purpose (issue 29 point 5): a link, frame or redirect from
another site gets the "Open this record?" page and plants no read.
HIPAA 45 CFR 164.312(b) (audit controls: the trail records what was really
read) and 164.528 (the client's account of who saw what)."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.services import payer_identity_set
from tests.helpers import sign_in

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@pytest.mark.django_db
@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_link_from_another_site_plants_no_read_of_the_payer_details(
    client, admin_user, client_user, site
):
    payer_identity_set(
        actor=admin_user, client=client_user, date_of_birth=date(1985, 7, 9), member_id="ZX998877"
    )
    sign_in(client, admin_user)
    url = reverse("accounts:person", args=[client_user.pk])
    response = client.get(url, HTTP_SEC_FETCH_SITE=site, HTTP_USER_AGENT=CHROME)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Open this record?" in page and "ZX998877" not in page
    assert not AuditEvent.objects.filter(action="payer_identity.view").exists()

    opened = client.get(url, HTTP_SEC_FETCH_SITE="same-origin", HTTP_USER_AGENT=CHROME)
    assert "ZX998877" in opened.content.decode()
    event = AuditEvent.objects.get(action="payer_identity.view")
    assert (event.actor, event.client) == (admin_user, client_user)
