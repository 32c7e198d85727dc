"""The remittances page: the recent 835s (no client names) and the upload,
which says how many lines were paid and denied, or refuses the file with
why (status 400, nothing changed, never a server error)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coaching.models import ClaimLine, LineState, Remittance
from tests.coaching.remittance_helpers import (
    OTHER_NPI,
    billing_organisation,
    remittance_835,
    sent_claim,
)
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in


@pytest.fixture
def sent(admin_user, coach, client_user):
    billing_organisation()
    return sent_claim(admin_user, coach, client_user, lines=2)


def _upload(client, content, name="remit.835"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("coaching:remittance_upload"), {"file": SimpleUploadedFile(name, data)}
    )


def _nothing_changed():
    assert not Remittance.objects.exists()
    assert set(ClaimLine.objects.values_list("state", flat=True)) == {LineState.IN_BATCH}


def test_an_upload_marks_the_lines_and_says_how_many(client, admin_user, sent, client_user):
    second = sent.lines.order_by("pk").last()
    text = remittance_835([sent], trace="CHK0077", denied={second.control_number: [("CO", "197")]})
    sign_in(client, admin_user)

    response = _upload(client, text)

    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:remittances")
    page = client.get(response["Location"]).content.decode()
    assert "1 line paid, 1 denied" in page
    assert "CHK0077" in page and "Illinois Medicaid" in page and "$60.00" in page
    assert client_user.display_name not in page
    second.refresh_from_db()
    assert (second.state, second.reason_codes) == (LineState.DENIED, ["CO-197"])


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (lambda text: text[: len(text) // 2], "This is not a valid 835"),
        (lambda text: text.replace("BPR*I*120*", "BPR*I*125*"), "This is not a valid 835"),
        (lambda text: "ISA*" + "x" * 50, "This is not a valid 835"),
    ],
    ids=["truncated", "wrong-totals", "cut-after-isa"],
)
def test_a_broken_file_is_refused_with_why(client, admin_user, sent, broken, message):
    sign_in(client, admin_user)
    response = _upload(client, broken(remittance_835([sent])))
    assert response.status_code == 400
    assert message in response.content.decode()
    _nothing_changed()


def test_a_foreign_payees_file_is_refused(client, admin_user, sent):
    sign_in(client, admin_user)
    response = _upload(client, remittance_835([sent], npi=OTHER_NPI))
    assert response.status_code == 400
    assert "This remittance is for another payee" in response.content.decode()
    _nothing_changed()


def test_the_same_file_twice_is_refused_the_second_time(client, admin_user, sent):
    text = remittance_835([sent], trace="CHK0078")
    sign_in(client, admin_user)
    assert _upload(client, text).status_code == 302
    response = _upload(client, text)
    assert response.status_code == 400
    assert "was uploaded already on" in response.content.decode()
    assert Remittance.objects.count() == 1


def test_binary_junk_is_refused_as_not_text(client, admin_user, sent):
    sign_in(client, admin_user)
    response = _upload(client, b"%PDF-1.7\x00\xff\xfe\x00binary", name="remit.pdf")
    assert response.status_code == 400
    assert "This file is not text (UTF-8 or ASCII)" in response.content.decode()
    _nothing_changed()


def test_a_file_over_2_mb_is_refused(client, admin_user, sent):
    sign_in(client, admin_user)
    response = _upload(client, "ISA*" + "0" * (2 * 1024 * 1024))
    assert response.status_code == 400
    assert "a remittance is at most 2 MB" in response.content.decode()
    _nothing_changed()


def test_no_file_is_refused(client, admin_user, sent):
    sign_in(client, admin_user)
    response = client.post(reverse("coaching:remittance_upload"), {})
    assert response.status_code == 400
    assert "Choose the 835 file to upload." in response.content.decode()


@pytest.mark.django_db
def test_coaches_and_supervisors_may_not_upload(client, coach, supervisor, sent):
    for person in (coach, supervisor):
        sign_in(client, person)
        assert client.get(reverse("coaching:remittances")).status_code == 403
        assert _upload(client, remittance_835([sent])).status_code == 403
    _nothing_changed()


def test_anonymous_goes_to_the_login_page(client):
    response = client.get(reverse("coaching:remittances"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("count", [1, 12])
def test_the_list_runs_a_fixed_number_of_queries(client, admin_user, coach, client_user, count):
    billing_organisation()
    for number in range(count):
        claim = sent_claim(admin_user, coach, client_user, lines=1)
        sign_in(client, admin_user)
        assert _upload(client, remittance_835([claim], trace=f"T{number}")).status_code == 302
    client.get(reverse("coaching:remittances"))
    queries, response = count_queries(client.get, reverse("coaching:remittances"))
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == count + 1
    assert queries <= PAGE_STATEMENTS
    assert Remittance.objects.filter(payment_amount=Decimal("60.00")).count() == count
