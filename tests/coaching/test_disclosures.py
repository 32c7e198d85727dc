"""The one export path (coaching/services/disclosures.py): who an export
may include, the Disclosure rows it records, and the table's lock."""

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, Role
from coaching.models import Basis, Disclosure, ExportKind, SentBy
from coaching.services.consents import REDISCLOSURE_NOTICE
from coaching.services.disclosures import disclosures_record, export_split
from tests.coaching.test_consents import CLAIM, SERVICE, payer, signed
from tests.conftest import make_user

NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)


@pytest.mark.django_db
def test_an_export_includes_the_consented_and_lists_the_rest_apart(
    coach, client_user, other_client
):
    """42 CFR 2.25 and 45 CFR 164.528(b)(2): each disclosure holds when it
    was sent, the recipient and their address, what (kinds and the dates of
    service sent), the purpose and the consent relied on."""
    acme = payer()
    acme.address = "1 Payer Way, Springfield"
    acme.save()
    consent = signed(coach, client_user, acme)
    split = export_split(
        actor=coach,
        client_ids=[client_user.pk, other_client.pk],
        recipient=acme,
        information=CLAIM,
        export=ExportKind.CLAIM_FILE,
        service_dates={client_user.pk: (NOV_1, NOV_30)},
        description="Claim file, November 2026",
    )
    assert split.consented_ids == [client_user.pk]
    assert split.unconsented_ids == [other_client.pk]
    assert split.notice == REDISCLOSURE_NOTICE
    assert "42 CFR part 2" in split.notice
    assert split.notice_version == "42 CFR 2.32(a) Statement 1, 2024"
    disclosure = Disclosure.objects.get()
    assert (disclosure.client, disclosure.consent, disclosure.recipient, disclosure.by) == (
        client_user,
        consent,
        acme,
        coach,
    )
    assert disclosure.information == sorted(CLAIM)
    assert disclosure.export == ExportKind.CLAIM_FILE
    assert (disclosure.basis, disclosure.sent_by) == (Basis.CONSENT, SentBy.APP_FILE)
    assert disclosure.purpose == "Billing Medicaid for peer support"
    assert disclosure.recipient_address == "1 Payer Way, Springfield"
    assert (disclosure.service_from, disclosure.service_to) == (NOV_1, NOV_30)
    event = AuditEvent.objects.get(action="disclosure.record")
    assert (event.client, event.actor, event.object_id) == (
        client_user,
        coach,
        str(disclosure.pk),
    )


@pytest.mark.django_db
def test_an_export_without_any_consent_records_nothing(coach, client_user):
    acme = payer()
    split = export_split(
        actor=coach,
        client_ids=[client_user.pk],
        recipient=acme,
        information=CLAIM,
        export=ExportKind.CLAIM_FILE,
        service_dates={client_user.pk: (NOV_1, NOV_30)},
    )
    assert split.consented_ids == []
    assert split.unconsented_ids == [client_user.pk]
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action="disclosure.record").exists()


@pytest.mark.django_db
def test_disclosures_are_recorded_in_one_statement_for_many_clients(coach, client_user):
    acme = payer()
    consents = {}
    for number in range(20):
        person = make_user(f"d{number}@example.org", Role.CLIENT, name=f"Client {number}")
        person.coach_assignments.create(coach=coach)
        consents[person.pk] = signed(coach, person, acme)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        disclosures_record(
            actor=coach,
            export=ExportKind.CLAIM_FILE,
            recipient=acme,
            information=SERVICE,
            consents=consents,
            service_dates={pk: (NOV_1, NOV_30) for pk in consents},
        )
    inserts = [query for query in queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 2  # the disclosures, the audit events
    assert Disclosure.objects.count() == 20


@pytest.mark.django_db
def test_an_export_made_to_be_sent_later_checks_consents_and_records_nothing(
    coach, client_user, other_client
):
    """42 CFR 2.25: a file counts as disclosed when it is sent; making it
    (a claim batch, a named-recipient file) only checks the consents."""
    acme = payer()
    signed(coach, client_user, acme)
    split = export_split(
        actor=coach,
        client_ids=[client_user.pk, other_client.pk],
        recipient=acme,
        information=CLAIM,
        export=ExportKind.CLAIM_FILE,
        service_dates=None,
    )
    assert (split.consented_ids, split.unconsented_ids) == ([client_user.pk], [other_client.pk])
    assert split.disclosures == []
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action="disclosure.record").exists()


@pytest.mark.django_db
def test_a_disclosure_without_its_dates_of_service_is_refused(coach, client_user):
    """45 CFR 164.528(b)(2)(iii): the accounting says what was sent; a row
    without the dates of service it holds is never written."""
    acme = payer()
    consent = signed(coach, client_user, acme)
    with pytest.raises(ValueError, match="No dates of service"), transaction.atomic():
        disclosures_record(
            actor=coach,
            export=ExportKind.CLAIM_FILE,
            recipient=acme,
            information=CLAIM,
            consents={client_user.pk: consent},
            service_dates={},
        )
    assert not Disclosure.objects.exists()


# ------------------------------------------------------------- the database


@pytest.mark.django_db
def test_the_database_refuses_to_change_or_delete_a_disclosure(coach, client_user):
    acme = payer()
    signed(coach, client_user, acme)
    export_split(
        actor=coach,
        client_ids=[client_user.pk],
        recipient=acme,
        information=SERVICE,
        export=ExportKind.NAMED_RECIPIENT,
        service_dates={client_user.pk: (NOV_1, NOV_30)},
    )
    for change in (
        lambda: Disclosure.objects.update(description="rewritten"),
        lambda: Disclosure.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert Disclosure.objects.get().description == ""
