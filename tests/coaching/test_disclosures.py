"""The one export path (coaching/services/disclosures.py): who an export
may include, the Disclosure rows it records, and the table's lock."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, Role
from coaching.models import Disclosure, ExportKind
from coaching.services.consents import REDISCLOSURE_NOTICE
from coaching.services.disclosures import disclosures_record, export_split
from tests.coaching.test_consents import CLAIM, SERVICE, payer, signed
from tests.conftest import make_user


@pytest.mark.django_db
def test_an_export_includes_the_consented_and_lists_the_rest_apart(
    coach, client_user, other_client
):
    acme = payer()
    consent = signed(coach, client_user, acme)
    split = export_split(
        actor=coach,
        client_ids=[client_user.pk, other_client.pk],
        recipient=acme,
        information=CLAIM,
        export=ExportKind.CLAIM_FILE,
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
        )
    inserts = [query for query in queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 2  # the disclosures, the audit events
    assert Disclosure.objects.count() == 20


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
    )
    for change in (
        lambda: Disclosure.objects.update(description="rewritten"),
        lambda: Disclosure.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert Disclosure.objects.get().description == ""
