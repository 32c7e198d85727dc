"""The footer's promise is what the app does (issue 29 point 5). It said
"only your coach and their supervisors see your records", yet the admins
who bill read a client's payer details and claims, and what goes outside
the organisation (with consent, or under an exception of 42 CFR Part 2:
2.51 medical emergency, 2.53 audit, 2.64/2.65 court orders) is listed for
the client (2.25 accounting of disclosures -> 45 CFR 164.528)."""

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from accounts.services import payer_identity_set
from tests.helpers import sign_in


def _footer(page: str) -> str:
    (footer,) = re.findall(r'<footer class="site-footer">(.*?)</footer>', page, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", footer)).split())


@pytest.mark.django_db
def test_the_footer_names_everyone_who_reads_a_clients_record(client, admin_user, client_user):
    payer_identity_set(
        actor=admin_user, client=client_user, date_of_birth=date(1985, 7, 9), member_id="ZX998877"
    )
    sign_in(client, client_user)
    home = client.get(reverse("coaching:client_home"))
    footer = _footer(home.content.decode())
    assert "only your coach" not in footer.lower()
    # An admin reads the client's payer details: the footer says admins do.
    sign_in(client, admin_user)
    person = client.get(reverse("accounts:person", args=[client_user.pk]))
    assert "ZX998877" in person.content.decode()
    assert "your coaches and their supervisors" in footer
    assert "administrators" in footer and "bill your payer" in footer


@pytest.mark.django_db
def test_the_footer_points_to_the_pages_that_show_what_it_promises(client, client_user):
    """Disclosures go outside only with consent or a Part 2 exception, and
    are listed; staff reads are listed: the pages it names are the client's."""
    sign_in(client, client_user)
    page = client.get(reverse("coaching:client_home")).content.decode()
    footer = _footer(page)
    assert "written consent" in footer and "42 CFR Part 2" in footer
    for name, label in (
        ("coaching:my_accounting", "Who my information went to"),
        ("accounts:record_views", "Who viewed my record"),
    ):
        assert f"“{label}”" in footer
        assert f'href="{reverse(name)}"' in page
        assert client.get(reverse(name)).status_code == 200
