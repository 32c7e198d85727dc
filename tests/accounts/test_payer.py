"""A client's payer identifiers (encrypted, for the client and the staff who
bill) and a staff member's credential (set by admins)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEvent, PayerIdentity, Role, User
from accounts.policy import bills, claim_scope, payer_identity_scope
from accounts.services.payer import payer_identity_set
from sessions_log.models import Session
from tests.conftest import make_user
from tests.helpers import past_contact, sign_in


@pytest.mark.django_db
def test_payer_identity_scope_is_the_client_and_the_staff_who_bill(
    client_user, other_client, coach, supervisor, admin_user
):
    for person in (client_user, other_client):
        payer_identity_set(
            actor=admin_user, client=person, date_of_birth=date(1990, 1, 2), member_id="M1"
        )

    def seen_by(viewer):
        rows = PayerIdentity.objects.filter(payer_identity_scope(viewer))
        return set(rows.values_list("client_id", flat=True))

    assert seen_by(client_user) == {client_user.pk}
    assert seen_by(admin_user) == {client_user.pk, other_client.pk}
    # Coaching does not need them: not the coach's, not the supervisor's.
    assert seen_by(coach) == seen_by(supervisor) == set()
    assert [bills(person) for person in (admin_user, supervisor, coach)] == [True, False, False]
    admin_user.is_active = False
    assert seen_by(admin_user) == set()


@pytest.mark.django_db
def test_the_identifiers_are_encrypted_at_rest(client_user, admin_user):
    payer_identity_set(
        actor=admin_user, client=client_user, date_of_birth=date(1985, 7, 9), member_id="ZX998877"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT date_of_birth, member_id FROM accounts_payeridentity")
        raw = " ".join(cursor.fetchone())
    assert "1985-07-09" not in raw and "ZX998877" not in raw
    identity = PayerIdentity.objects.get()
    assert (identity.date_of_birth, identity.member_id) == ("1985-07-09", "ZX998877")


@pytest.mark.django_db
def test_an_admin_records_them_on_the_clients_page_and_the_reading_is_audited(
    client, client_user, admin_user
):
    sign_in(client, admin_user)
    response = client.post(
        reverse("accounts:person_payer_identity"),
        {"person": client_user.pk, "date_of_birth": "1992-11-30", "member_id": "ABC-123"},
    )
    assert response.status_code == 302
    page = client.get(reverse("accounts:person", args=[client_user.pk])).content.decode()
    assert "1992-11-30" in page and "ABC-123" in page
    assert AuditEvent.objects.filter(action="payer_identity.view", client=client_user).exists()


@pytest.mark.django_db
def test_the_client_sees_them_on_their_record_page(client, client_user, admin_user):
    payer_identity_set(
        actor=admin_user, client=client_user, date_of_birth=date(1992, 11, 30), member_id="Q77"
    )
    sign_in(client, client_user, mfa=False)
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert "What we send to your payer" in page
    assert "1992-11-30" in page and "Q77" in page


@pytest.mark.django_db
def test_bad_identifiers_get_a_clear_message_and_change_nothing(client, client_user, admin_user):
    payer_identity_set(
        actor=admin_user, client=client_user, date_of_birth=date(1990, 1, 1), member_id="OK1"
    )
    sign_in(client, admin_user)
    response = client.post(
        reverse("accounts:person_payer_identity"),
        {"person": client_user.pk, "date_of_birth": "2999-01-01", "member_id": "=HYPERLINK(1)"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "between 1900 and today" in page
    assert "letters, digits and hyphens" in page
    identity = PayerIdentity.objects.get()
    assert (identity.date_of_birth, identity.member_id) == ("1990-01-01", "OK1")


@pytest.mark.django_db
def test_an_admin_sets_a_coachs_credential(client, coach, admin_user):
    sign_in(client, admin_user)
    response = client.post(
        reverse("accounts:person_credential"), {"person": coach.pk, "credential": " CPRS "}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=coach.pk).credential == "CPRS"
    assert AuditEvent.objects.filter(action="user.credential").exists()
    response = client.post(
        reverse("accounts:person_credential"), {"person": coach.pk, "credential": "<b>x</b>"}
    )
    assert response.status_code == 400
    assert "letters and digits" in response.content.decode()
    assert User.objects.get(pk=coach.pk).credential == "CPRS"


@pytest.mark.django_db
def test_a_client_holds_no_credential(client, client_user, admin_user):
    sign_in(client, admin_user)
    response = client.post(
        reverse("accounts:person_credential"), {"person": client_user.pk, "credential": "CPRS"}
    )
    assert response.status_code == 400
    assert User.objects.get(pk=client_user.pk).credential == ""
    assert client_user.role == Role.CLIENT


@pytest.mark.django_db
def test_claim_scope_is_every_clients_sessions_for_staff_who_bill_only(
    client_user, other_client, coach, supervisor, admin_user
):

    past_contact(coach, client_user, timedelta(hours=3))
    other_coach = other_client.coach_assignments.get().coach
    past_contact(other_coach, other_client, timedelta(hours=3))

    def claimable(viewer):
        return set(Session.objects.filter(claim_scope(viewer)).values_list("client", flat=True))

    assert claimable(admin_user) == {client_user.pk, other_client.pk}
    for person in (coach, supervisor, client_user):
        assert claimable(person) == set()
    gone = make_user("gone-admin@example.org", Role.ADMIN)
    gone.is_active = False
    assert claimable(gone) == set()
