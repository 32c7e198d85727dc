"""Disclosures made outside the app (coaching/services/outside_disclosures.py):
recorded by staff who manage the client's consents, under a consent in force
when it was sent (42 CFR 2.31, with the notice of 2.32(a)) or an exception
(2.51, 2.53, 2.64, 2.65), through the one recording path and audited. Every
bad input is refused plainly, by field, and records nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from coaching.models import Basis, Disclosure, ExportKind, Information, Recipient, SentBy
from coaching.notices import NOTICE_VERSION
from coaching.services.consents import consent_revoke
from coaching.services.outside_disclosures import (
    NO_NOTICE,
    NOT_COVERED,
    NOT_THIS_CLIENT,
    disclosure_record_outside,
)
from tests.coaching.test_consents import SERVICE, payer, signed


def record(coach, client, **overrides) -> Disclosure:
    fields = {
        "actor": coach,
        "client": client,
        "sent_at": timezone.now() - timedelta(hours=2),
        "basis": Basis.EMERGENCY,
        "recipient_name": "Dr Ana Gomez, St Mary's emergency department",
        "recipient_address": "12 Harbour Road, Springfield",
        "information": SERVICE,
        "service_from": date(2026, 1, 5),
        "service_to": timezone.localdate() - timedelta(days=1),
        "purpose": "Nature of the emergency: overdose, unresponsive on arrival",
        "sent_by": SentBy.PHONE,
    }
    return disclosure_record_outside(**{**fields, **overrides})


def _nothing_recorded():
    return (
        not Disclosure.objects.exists()
        and not AuditEvent.objects.filter(action="disclosure.record").exists()
    )


@pytest.mark.django_db
def test_an_emergency_disclosure_is_recorded_with_every_field_and_audited(coach, client_user):
    """42 CFR 2.51(c): the medical personnel and their facility, who made it,
    the date and time, the nature of the emergency."""
    sent = timezone.now() - timedelta(hours=3)
    disclosure = record(coach, client_user, sent_at=sent)
    disclosure.refresh_from_db()
    assert disclosure.export == ExportKind.OUTSIDE_APP
    assert disclosure.basis == Basis.EMERGENCY and disclosure.consent is None
    assert disclosure.recipient is None
    assert disclosure.recipient_name == "Dr Ana Gomez, St Mary's emergency department"
    assert disclosure.recipient_address == "12 Harbour Road, Springfield"
    assert disclosure.purpose.startswith("Nature of the emergency")
    assert disclosure.at == sent
    assert disclosure.by == coach
    assert disclosure.sent_by == SentBy.PHONE
    assert disclosure.information == SERVICE
    assert disclosure.notice_version == NO_NOTICE
    event = AuditEvent.objects.get(action="disclosure.record")
    assert (event.client, event.actor, event.object_id) == (client_user, coach, str(disclosure.pk))


@pytest.mark.django_db
def test_a_disclosure_under_a_consent_keeps_the_consent_and_the_notice(coach, client_user):
    acme = payer()
    acme.address = "1 Plan Plaza, Chicago"
    acme.save()
    consent = signed(coach, client_user, acme, information=SERVICE)
    disclosure = record(
        coach,
        client_user,
        basis=Basis.CONSENT,
        consent=consent,
        recipient=acme,
        recipient_name="",
        recipient_address="",
        sent_by=SentBy.FAX,
        notice_confirmed=True,
        sent_at=timezone.now(),
    )
    assert disclosure.consent == consent
    assert disclosure.recipient == acme
    assert disclosure.recipient_address == "1 Plan Plaza, Chicago"  # the list's, when none typed
    assert disclosure.notice_version == NOTICE_VERSION


@pytest.mark.django_db
def test_a_consent_revoked_after_the_disclosure_still_covered_it(coach, client_user):
    acme = payer()
    consent = signed(coach, client_user, acme, information=SERVICE)
    sent = timezone.now()
    consent_revoke(actor=client_user, consent=consent)
    disclosure = record(
        coach,
        client_user,
        basis=Basis.CONSENT,
        consent=consent,
        recipient=acme,
        recipient_name="",
        notice_confirmed=True,
        sent_at=sent,
    )
    assert disclosure.consent == consent


def _refused(coach, client_user, field, message=None, **overrides):
    with pytest.raises(ValidationError) as error:
        record(coach, client_user, **overrides)
    assert field in error.value.message_dict, error.value.message_dict
    if message:
        assert message in error.value.message_dict[field]
    assert _nothing_recorded()


@pytest.mark.django_db
def test_a_date_in_the_future_is_refused(coach, client_user):
    _refused(
        coach,
        client_user,
        "sent_at",
        "The date sent cannot be in the future.",
        sent_at=timezone.now() + timedelta(days=1),
    )


@pytest.mark.django_db
def test_no_basis_or_a_consent_basis_without_a_consent_is_refused(coach, client_user):
    _refused(coach, client_user, "basis", basis="")
    _refused(
        coach, client_user, "consent", basis=Basis.CONSENT, recipient=payer(), recipient_name=""
    )


@pytest.mark.django_db
def test_a_consent_that_does_not_cover_it_is_refused(coach, client_user):
    acme, other = payer(), payer("Other Plan")
    consent = signed(coach, client_user, acme, information=SERVICE)
    common = {
        "basis": Basis.CONSENT,
        "consent": consent,
        "recipient_name": "",
        "notice_confirmed": True,
        "sent_at": timezone.now(),
    }
    # Another recipient than the one it names.
    _refused(coach, client_user, "consent", NOT_COVERED, recipient=other, **common)
    # A kind it does not cover.
    _refused(
        coach,
        client_user,
        "consent",
        NOT_COVERED,
        recipient=acme,
        information=[Information.SESSION_NOTES],
        **common,
    )
    # Sent before it was signed.
    _refused(
        coach,
        client_user,
        "consent",
        NOT_COVERED,
        recipient=acme,
        **{**common, "sent_at": consent.signed_at - timedelta(days=1)},
    )
    # Dates of service before the information it covers (from 2020-01-01).
    _refused(
        coach, client_user, "service_from", recipient=acme, service_from=date(2019, 6, 1), **common
    )
    # A typed recipient: a consent names one on the list.
    _refused(
        coach, client_user, "recipient", basis=Basis.CONSENT, consent=consent, notice_confirmed=True
    )
    # The notice did not go with it.
    _refused(
        coach,
        client_user,
        "notice_confirmed",
        recipient=acme,
        **{**common, "notice_confirmed": False},
    )


@pytest.mark.django_db
def test_a_consent_revoked_before_it_was_sent_is_refused(coach, client_user):
    acme = payer()
    consent = signed(coach, client_user, acme, information=SERVICE)
    consent_revoke(actor=client_user, consent=consent)
    _refused(
        coach,
        client_user,
        "consent",
        NOT_COVERED,
        basis=Basis.CONSENT,
        consent=consent,
        recipient=acme,
        recipient_name="",
        notice_confirmed=True,
        sent_at=timezone.now(),
    )


@pytest.mark.django_db
def test_a_consent_of_another_client_is_refused(coach, client_user, other_coach, other_client):
    acme = payer()
    theirs = signed(other_coach, other_client, acme, information=SERVICE)
    _refused(
        coach,
        client_user,
        "consent",
        NOT_THIS_CLIENT,
        basis=Basis.CONSENT,
        consent=theirs,
        recipient=acme,
        recipient_name="",
        notice_confirmed=True,
    )


@pytest.mark.django_db
def test_an_unknown_or_missing_recipient_is_refused(coach, client_user, other_client):
    # A person another client named is not on this client's list.
    theirs = Recipient.objects.create(
        kind=Recipient.Kind.PERSON, client=other_client, person_name="Their sister"
    )
    _refused(coach, client_user, "recipient", recipient=theirs, recipient_name="")
    _refused(coach, client_user, "recipient", recipient_name="  ")


@pytest.mark.django_db
def test_other_bad_input_is_refused(coach, client_user):
    _refused(coach, client_user, "sent_by", sent_by=SentBy.APP_FILE)
    _refused(coach, client_user, "purpose", purpose=" ")
    _refused(coach, client_user, "information", information=["diary"])
    _refused(
        coach, client_user, "service_to", service_from=date(2026, 3, 1), service_to=date(2026, 2, 1)
    )
    _refused(
        coach,
        client_user,
        "consent",
        consent=signed(coach, client_user, payer(), information=SERVICE),
    )


@pytest.mark.django_db
def test_staff_who_do_not_manage_the_client_cannot_record(other_coach, client_user):
    with pytest.raises(PermissionDenied):
        record(other_coach, client_user)
    with pytest.raises(PermissionDenied):
        record(client_user, client_user)
    assert _nothing_recorded()


@pytest.mark.django_db
def test_the_day_of_a_consent_end_counts_in_the_clients_zone(coach, client_user):
    """A consent ending on the 3rd covered a disclosure at 20:00 on the 3rd
    in Honolulu (06:00 UTC on the 4th), not one at 01:00 on the 4th there."""
    client_user.time_zone = "Pacific/Honolulu"
    client_user.save()
    acme = payer()
    with time_machine.travel(datetime(2026, 1, 2, 18, tzinfo=UTC), tick=False):
        consent = signed(coach, client_user, acme, information=SERVICE, ends_on=date(2026, 3, 3))
    common = {
        "basis": Basis.CONSENT,
        "consent": consent,
        "recipient": acme,
        "recipient_name": "",
        "notice_confirmed": True,
        "service_to": date(2026, 3, 1),
    }
    with time_machine.travel(datetime(2026, 3, 10, 18, tzinfo=UTC), tick=False):
        _refused(
            coach,
            client_user,
            "consent",
            NOT_COVERED,
            sent_at=datetime(2026, 3, 4, 11, 0, tzinfo=UTC),
            **common,
        )
        disclosure = record(
            coach, client_user, sent_at=datetime(2026, 3, 4, 6, 0, tzinfo=UTC), **common
        )
    assert disclosure.consent == consent
