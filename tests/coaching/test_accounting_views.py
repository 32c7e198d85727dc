"""The accounting of disclosures (42 CFR 2.25; 45 CFR 164.528(b)): the
client's "Who my information went to" (plain words, printable) and staff's
for a client, with recording a disclosure made outside the app. Someone
else's accounting is a 404; a bad form is answered plainly and records
nothing; the pages run the same queries whatever the number of
disclosures."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from coaching.models import Basis, Disclosure, SentBy
from tests.coaching.test_consents import SERVICE, payer, signed
from tests.coaching.test_outside_disclosures import record
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in


def _post(**overrides) -> dict:
    return {
        "sent_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "basis": Basis.ORDER_NONCRIMINAL,
        "recipient_name": "Cook County Circuit Court",
        "recipient_address": "50 W Washington St, Chicago",
        "information": ["service_record"],
        "service_from": "2026-01-05",
        "service_to": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "purpose": "Order of 2 March 2026, case 26-CV-101: attendance dates only",
        "sent_by": SentBy.PAPER,
        **overrides,
    }


@pytest.mark.django_db
def test_the_clients_accounting_lists_a_disclosure_made_outside_the_app(client, coach, client_user):
    """Done when: the client's accounting lists a disclosure made outside
    the app (42 CFR 2.25; 45 CFR 164.528(b)(2): date, recipient and address,
    what, purpose)."""
    sign_in(client, coach)
    response = client.post(
        reverse("coaching:outside_disclosure_record", args=[client_user.pk]), _post()
    )
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    client.logout()
    sign_in(client, client_user)
    page = client.get(reverse("coaching:my_accounting")).content.decode()
    assert f'id="disclosure-{disclosure.pk}"' in page
    assert "Cook County Circuit Court, 50 W Washington St, Chicago" in page
    assert "Your attendance and service record, from services on 5 January 2026" in page
    assert "Order of 2 March 2026, case 26-CV-101: attendance dates only" in page
    assert "By paper, by post or by hand, outside this app, by Casey Rivera" in page
    assert "Without your consent, under a court order (42 CFR 2.64)" in page
    assert "data-print" in page  # a Print button; the print stylesheet hides the menu
    assert "Who my information went to" in page
    # "My consents" says so too, and links here.
    mine = client.get(reverse("coaching:my_consents")).content.decode()
    assert "to Cook County Circuit Court (paper, by post or by hand, outside this app)" in mine
    assert reverse("coaching:my_accounting") in mine


@pytest.mark.django_db
def test_staff_see_the_accounting_with_the_consent_relied_on(client, coach, client_user):
    acme = payer()
    consent = signed(coach, client_user, acme, information=SERVICE)
    record(
        coach,
        client_user,
        basis=Basis.CONSENT,
        consent=consent,
        recipient=acme,
        recipient_name="",
        notice_confirmed=True,
        sent_at=timezone.now(),
    )
    sign_in(client, coach)
    consents_page = client.get(
        reverse("coaching:client_consents", args=[client_user.pk]), HTTP_SEC_FETCH_USER="?1"
    ).content.decode()
    assert reverse("coaching:client_accounting", args=[client_user.pk]) in consents_page
    url = reverse("coaching:client_accounting", args=[client_user.pk])
    page = client.get(url, HTTP_SEC_FETCH_USER="?1").content.decode()
    assert f"The consent signed {consent.signed_at:%-d %B %Y}" in page
    assert "Acme Health Plan" in page
    assert "Record a disclosure made outside the app" in page
    assert AuditEvent.objects.filter(
        action="consents.view", actor=coach, client=client_user
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sent_at": "2099-01-01T10:00"}, "The date sent cannot be in the future."),
        ({"basis": ""}, "Choose the consent, or one of the exceptions, it was made under."),
        ({"basis": Basis.CONSENT}, "Choose the consent it relied on"),
        ({"recipient": "999999", "recipient_name": ""}, "Choose a recipient from the list."),
        ({"recipient_name": ""}, "Choose a recipient from the list, or type the name"),
        ({"service_from": "2026-03-01", "service_to": "2026-02-01"}, "run from the first"),
        ({"sent_by": SentBy.APP_FILE}, "Choose how it was sent."),
    ],
)
def test_a_bad_form_is_answered_plainly_and_records_nothing(
    client, coach, client_user, overrides, message
):
    sign_in(client, coach)
    response = client.post(
        reverse("coaching:outside_disclosure_record", args=[client_user.pk]), _post(**overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Disclosure.objects.exists()


@pytest.mark.django_db
def test_a_consent_not_covering_it_or_of_another_client_is_refused_on_the_form(
    client, coach, client_user, other_coach, other_client
):
    acme = payer()
    with time_machine.travel(timezone.now() - timedelta(days=1)):
        mine = signed(coach, client_user, acme, information=SERVICE)
        theirs = signed(other_coach, other_client, acme, information=SERVICE)
    sign_in(client, coach)
    url = reverse("coaching:outside_disclosure_record", args=[client_user.pk])
    common = {
        "basis": Basis.CONSENT,
        "recipient": acme.pk,
        "recipient_name": "",
        "notice_confirmed": "on",
    }
    # Session notes are not in it.
    response = client.post(url, _post(**common, consent=mine.pk, information=["session_notes"]))
    assert response.status_code == 400
    assert "That consent did not cover this disclosure" in response.content.decode()
    response = client.post(url, _post(**common, consent=theirs.pk))
    assert response.status_code == 400
    assert "Choose one of this client&#x27;s consents." in response.content.decode()
    assert not Disclosure.objects.exists()
    # The same with everything right is recorded.
    assert client.post(url, _post(**common, consent=mine.pk)).status_code == 302
    assert Disclosure.objects.get().consent == mine


@pytest.mark.django_db
def test_another_clients_accounting_is_a_404(client, other_coach, client_user, coach):
    record(coach, client_user)
    sign_in(client, other_coach)
    url = reverse("coaching:client_accounting", args=[client_user.pk])
    assert client.get(url, HTTP_SEC_FETCH_USER="?1").status_code == 404
    post = client.post(
        reverse("coaching:outside_disclosure_record", args=[client_user.pk]), _post()
    )
    assert post.status_code == 404
    assert Disclosure.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["client_user", "coach", "supervisor"])
def test_the_accounting_runs_the_same_queries_at_1_and_40(request, client, who):
    coach, client_user = request.getfixturevalue("coach"), request.getfixturevalue("client_user")
    person = request.getfixturevalue(who)
    if who == "client_user":
        url = reverse("coaching:my_accounting")
    else:
        url = reverse("coaching:client_accounting", args=[client_user.pk])
    acme = payer()
    consent = signed(coach, client_user, acme, information=SERVICE)

    def add(count):
        for number in range(count):
            record(coach, client_user, service_from=date(2026, 1, 1 + number % 28))
            record(
                coach,
                client_user,
                basis=Basis.CONSENT,
                consent=consent,
                recipient=acme,
                recipient_name="",
                notice_confirmed=True,
                sent_at=timezone.now(),
            )

    add(1)
    sign_in(client, person)
    client.get(url, HTTP_SEC_FETCH_USER="?1")
    few = count_queries(client.get, url, HTTP_SEC_FETCH_USER="?1")[0]
    assert few <= PAGE_STATEMENTS
    add(19)
    many, response = count_queries(client.get, url, HTTP_SEC_FETCH_USER="?1")
    assert many == few
    assert response.content.decode().count('id="disclosure-') == 40
