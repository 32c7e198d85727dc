"""A client's payer identity as a claim names them (837P 2010BA: NM1 the
subscriber's legal name, N3/N4 the address with a 2-letter state and a
5- or 9-digit ZIP, DMG03 sex F, M or U): entered on their page by the staff
who bill, checked, encrypted at rest."""

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEvent, PayerIdentity
from tests.helpers import sign_in

DETAILS = {
    "date_of_birth": "1980-05-17",
    "member_id": "MCD0001",
    "legal_last_name": "Doe",
    "legal_first_name": "Jane",
    "sex": "F",
    "address_line1": "9 Elm St",
    "address_line2": "Apt 2",
    "city": "Springfield",
    "state": "il",
    "postal_code": "62702-1234",
}


@pytest.mark.django_db
def test_an_admin_records_the_claim_details(client, client_user, admin_user):
    sign_in(client, admin_user)
    response = client.post(
        reverse("accounts:person_payer_identity"), {"person": client_user.pk, **DETAILS}
    )
    assert response.status_code == 302
    identity = PayerIdentity.objects.get(client=client_user)
    assert (identity.legal_last_name, identity.sex, identity.state, identity.postal_code) == (
        "Doe",
        "F",
        "IL",
        "627021234",
    )
    assert identity.date_of_birth == date(1980, 5, 17).isoformat()
    with connection.cursor() as cursor:
        cursor.execute("SELECT legal_last_name, address_line1 FROM accounts_payeridentity")
        raw = " ".join(cursor.fetchone())
    assert "Doe" not in raw and "Elm" not in raw
    page = client.get(reverse("accounts:person", args=[client_user.pk])).content.decode()
    assert "Doe, Jane" in page and "9 Elm St, Apt 2, Springfield IL 627021234" in page
    assert AuditEvent.objects.filter(action="payer_identity.set", client=client_user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sex", "X", "Choose F, M or U."),
        ("state", "I1", "2-letter postal code"),
        ("postal_code", "6270", "A ZIP code is 5 digits, or 9"),
        ("postal_code", "627021", "A ZIP code is 5 digits, or 9"),
        ("address_line1", "9 Elm St~NM1*", "no ~ * : ^"),
    ],
)
def test_a_bad_detail_is_refused_on_its_field_and_nothing_saved(
    client, client_user, admin_user, field, value, message
):
    sign_in(client, admin_user)
    response = client.post(
        reverse("accounts:person_payer_identity"),
        {"person": client_user.pk, **DETAILS, field: value},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PayerIdentity.objects.exists()


@pytest.mark.django_db
def test_a_coach_cannot_record_them(client, coach, client_user):
    sign_in(client, coach)
    response = client.post(
        reverse("accounts:person_payer_identity"), {"person": client_user.pk, **DETAILS}
    )
    assert response.status_code == 403
    assert not PayerIdentity.objects.exists()
