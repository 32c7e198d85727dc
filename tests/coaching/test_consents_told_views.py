"""Issue 28, points 8 and 9 (pages): a consent waiting for the client's
signature is on their home, with a link to sign it, whatever the number of
them in a fixed number of queries; "My consents" is in the client's menu;
staff record a revocation made in writing on its own page (bad input: a
message, nothing changed), and both sides then read how it was revoked."""

from datetime import timedelta

import pytest
from django.urls import reverse

from coaching.models import Consent
from tests.coaching.test_consents import _state, payer, prepared, signed, today
from tests.coaching.test_plans_views_revisions import revision_on
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in


@pytest.mark.django_db
def test_a_consent_waiting_is_on_the_clients_home_until_signed(client, coach, client_user):
    consent = prepared(coach, client_user, payer())
    sign_in(client, client_user)
    home = reverse("coaching:client_home")
    page = client.get(home).content.decode()
    assert "A consent is waiting for you" in page
    assert "To share with Acme Health Plan." in page
    assert f'href="{reverse("coaching:my_consent", args=[consent.pk])}"' in page
    read = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    client.post(
        reverse("coaching:consent_sign", args=[consent.pk]),
        {"typed_name": client_user.display_name, "confirmed": "on", "revision": revision_on(read)},
    )
    assert "A consent is waiting for you" not in client.get(home).content.decode()


@pytest.mark.django_db
def test_a_draft_past_its_end_date_is_not_offered_on_the_home(client, coach, client_user):
    consent = prepared(coach, client_user, payer())
    Consent.objects.filter(pk=consent.pk).update(ends_on=today() - timedelta(days=1))
    sign_in(client, client_user)
    assert (
        "A consent is waiting" not in client.get(reverse("coaching:client_home")).content.decode()
    )


@pytest.mark.django_db
def test_the_clients_home_costs_the_same_with_one_or_ten_consents_waiting(
    client, coach, client_user
):
    prepared(coach, client_user, payer())
    sign_in(client, client_user)
    home = reverse("coaching:client_home")
    client.get(home)
    few = count_queries(client.get, home)[0]
    for number in range(9):
        prepared(coach, client_user, payer(f"Plan {number}"))
    many, response = count_queries(client.get, home)
    assert many == few and few <= PAGE_STATEMENTS + 2
    assert response.content.decode().count("A consent is waiting for you") == 10


@pytest.mark.django_db
def test_my_consents_is_in_the_clients_menu(client, client_user):
    sign_in(client, client_user)
    page = client.get(reverse("coaching:my_checkins")).content.decode()
    nav = page[page.index('aria-label="Main"') : page.index("</nav>")]
    assert f'<a href="{reverse("coaching:my_consents")}"' in nav and ">My consents</a>" in nav


@pytest.mark.django_db
def test_staff_record_a_written_revocation_and_both_sides_read_how(client, coach, client_user):
    consent = signed(coach, client_user, payer())
    sign_in(client, coach)
    staff_page = reverse("coaching:client_consents", args=[client_user.pk])
    url = reverse("coaching:consent_revoke_in_writing", args=[consent.pk])
    assert f'href="{url}"' in client.get(staff_page).content.decode()
    form = client.get(url)
    assert form.status_code == 200 and "Record a revocation in writing" in form.content.decode()
    response = client.post(
        url,
        {"medium": "letter", "received_on": today().isoformat(), "note": "In the paper file"},
        follow=True,
    )
    body = response.content.decode()
    assert "Recorded. Nothing more will be disclosed under this consent." in body
    assert "revoked in writing (letter received" in body and "In the paper file" in body
    consent.refresh_from_db()
    assert consent.revoked_how == "in_writing" and consent.revoked_by == coach
    sign_in(client, client_user)
    mine = client.get(reverse("coaching:my_consent", args=[consent.pk])).content.decode()
    assert "Revoked in writing" in mine and "You revoked it in writing (letter received" in mine
    assert reverse("coaching:consent_revoke", args=[consent.pk]) not in mine


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"medium": "", "received_on": "2026-01-01"}, "Choose what the revocation came as."),
        ({"medium": "letter", "received_on": ""}, "Give the date the revocation was received."),
        ({"medium": "letter", "received_on": "not a date"}, "Enter a date."),
        ({"medium": "letter", "received_on": "2999-01-01"}, "cannot be in the future"),
    ],
)
def test_a_bad_written_revocation_says_why_and_changes_nothing(
    client, coach, client_user, data, message
):
    consent = signed(coach, client_user, payer())
    sign_in(client, coach)
    before = _state()
    response = client.post(reverse("coaching:consent_revoke_in_writing", args=[consent.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state()[:2] == before[:2]  # the page read is audited; nothing else


@pytest.mark.django_db
def test_a_written_revocation_of_an_ended_consent_is_refused_plainly(client, coach, client_user):
    consent = signed(coach, client_user, payer())
    sign_in(client, coach)
    url = reverse("coaching:consent_revoke_in_writing", args=[consent.pk])
    data = {"medium": "form", "received_on": today().isoformat()}
    client.post(url, data)
    before = _state()
    response = client.post(url, data)
    assert response.status_code == 400
    assert "This consent has already ended." in response.content.decode()
    assert _state()[:2] == before[:2]  # the page read is audited; nothing else
