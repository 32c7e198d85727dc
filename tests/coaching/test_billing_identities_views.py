"""The billing identities pages: the organisation's form, the coaches'
list and each coach's page (staff who bill; a non-coach is a 404)."""

import pytest
from django.urls import reverse

from coaching.models import BillingOrganisation, ProviderIdentity
from coaching.services.billing_identities import provider_identity_set
from tests.coaching.test_billing_identities import GOOD, PROVIDER
from tests.conftest import make_user
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in


def test_admins_enter_the_organisation(client, admin_user):
    sign_in(client, admin_user)
    url = reverse("coaching:billing_identities")
    assert "Not entered yet" in client.get(url).content.decode()

    response = client.post(url, GOOD)

    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "billing identity is saved" in page
    assert 'value="1234567893"' in page
    assert BillingOrganisation.objects.get().npi == "1234567893"


def test_a_mistyped_npi_shows_on_the_form_and_saves_nothing(client, admin_user):
    sign_in(client, admin_user)
    response = client.post(reverse("coaching:billing_identities"), GOOD | {"npi": "1234567894"})
    assert response.status_code == 400
    assert "fails its check digit" in response.content.decode()
    assert not BillingOrganisation.objects.exists()


def test_a_coachs_identity_is_entered_on_their_page(client, admin_user, coach):
    sign_in(client, admin_user)
    listing = client.get(reverse("coaching:billing_identities")).content.decode()
    assert "Casey Rivera" in listing and "Not entered" in listing
    url = reverse("coaching:provider_identity", args=[coach.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, PROVIDER)

    assert response.status_code == 302
    assert ProviderIdentity.objects.get(coach=coach).npi == "1003000126"
    assert "1003000126" in client.get(reverse("coaching:billing_identities")).content.decode()


def test_a_bad_taxonomy_is_shown_on_the_coachs_page(client, admin_user, coach):
    sign_in(client, admin_user)
    url = reverse("coaching:provider_identity", args=[coach.pk])
    response = client.post(url, PROVIDER | {"taxonomy": "PEER"})
    assert response.status_code == 400
    assert "A taxonomy code is 10 characters ending in X" in response.content.decode()
    assert not ProviderIdentity.objects.exists()


@pytest.mark.parametrize("who", ["client_user", "supervisor", "admin_user"])
def test_a_non_coach_has_no_provider_page(client, request, admin_user, who):
    sign_in(client, admin_user)
    person = request.getfixturevalue(who)
    url = reverse("coaching:provider_identity", args=[person.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, PROVIDER).status_code == 404
    assert not ProviderIdentity.objects.exists()


def test_coaches_may_not_open_the_pages(client, coach):
    sign_in(client, coach)
    assert client.get(reverse("coaching:billing_identities")).status_code == 403
    url = reverse("coaching:provider_identity", args=[coach.pk])
    assert client.post(url, PROVIDER).status_code == 403
    assert not ProviderIdentity.objects.exists()


@pytest.mark.parametrize("count", [1, 20])
def test_the_page_runs_a_fixed_number_of_queries(client, admin_user, team, count):
    for number in range(count):
        person = make_user(f"coach{number}@example.org", "coach", team=team)
        npi = ["1003000126", "1245319599", "1234567893"][number % 3] if number < 3 else None
        if npi:
            provider_identity_set(
                actor=admin_user, coach=person, **(PROVIDER | {"npi": npi, "credential": ""})
            )
    sign_in(client, admin_user)
    client.get(reverse("coaching:billing_identities"))
    queries, response = count_queries(client.get, reverse("coaching:billing_identities"))
    assert response.status_code == 200
    assert queries <= PAGE_STATEMENTS
