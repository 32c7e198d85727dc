"""Consents and disclosures: preparing, signing, revoking and ending a
consent (every bad input refused plainly with nothing changed), the covering
consent an export finds (boundaries: the end date, a revocation, a subset of
the information), and the disclosures an export records."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent, Role
from coaching.models import Consent, Disclosure, Information, Recipient
from coaching.selectors.consents import consent_state, consents_covering
from coaching.services.consents import (
    consent_end,
    consent_prepare,
    consent_revoke,
    consent_sign,
)
from common import crypto
from tests.conftest import make_user

SERVICE = [Information.SERVICE_RECORD]
CLAIM = [Information.SERVICE_RECORD, Information.BILLING_IDS]


def today():
    return timezone.localdate()


def payer(name="Acme Health Plan") -> Recipient:
    return Recipient.objects.create(name=name, kind=Recipient.Kind.ORGANISATION)


def prepared(coach, client, recipient, *, information=CLAIM, ends_on=None, event="") -> Consent:
    if ends_on is None and not event:
        ends_on = today() + timedelta(days=365)
    return consent_prepare(
        actor=coach,
        client=client,
        legal_name=client.display_name,
        information_from=date(2020, 1, 1),
        recipient=recipient,
        purpose="Billing Medicaid for peer support",
        information=information,
        ends_on=ends_on,
        ends_on_event=event,
    )


def signed(coach, client, recipient, **kwargs) -> Consent:
    consent = prepared(coach, client, recipient, **kwargs)
    return consent_sign(
        actor=client, consent=consent, typed_name=client.display_name, confirmed=True
    )


def _state():
    return (
        list(Consent.objects.values("pk", "signed_at", "revoked_at", "signed_name")),
        Disclosure.objects.count(),
        AuditEvent.objects.filter(action__startswith="consent.").count(),
    )


# ------------------------------------------------------------- preparing


@pytest.mark.django_db
def test_it_prepares_a_consent_and_audits_it(coach, client_user):
    acme = payer()
    consent = prepared(coach, client_user, acme)
    consent.refresh_from_db()
    assert consent.signed_at is None
    assert consent.purpose == "Billing Medicaid for peer support"
    assert consent.information == sorted(CLAIM)
    assert consent_state(consent, today()).key == "draft"
    assert AuditEvent.objects.filter(action="consent.prepare", client=client_user).count() == 1


@pytest.mark.django_db
def test_it_names_a_person_as_the_clients_own_recipient(coach, client_user, other_client):
    consent = consent_prepare(
        actor=coach,
        client=client_user,
        legal_name=client_user.display_name,
        information_from=date(2020, 1, 1),
        person_name="  Jamie   Park ",
        purpose="So my sister knows how I am doing",
        information=[Information.RECOVERY_PLAN],
        ends_on_event="When I say so",
    )
    assert consent.recipient.person_name == "Jamie Park"
    assert consent.recipient.kind == Recipient.Kind.PERSON
    assert consent.recipient.client == client_user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "  "}, "purpose"),
        ({"information": []}, "information"),
        ({"information": ["everything"]}, "information"),
        ({"ends_on": None, "ends_on_event": ""}, "ends_on"),
        ({"ends_on_event": "End of my enrolment"}, "ends_on"),
        ({"recipient": None}, "recipient"),
        ({"person_name": "Jamie Park"}, "recipient"),
        ({"purpose": "x" * 501}, "purpose"),
        ({"legal_name": "  "}, "legal_name"),
        ({"information_from": None}, "information_from"),
        ({"information_to": date(2019, 12, 31)}, "information_to"),
        ({"purpose_kind": "marketing"}, "purpose_kind"),
        ({"purpose_kind": "tpo"}, "recipient"),
    ],
)
def test_it_refuses_a_bad_consent_and_changes_nothing(coach, client_user, changes, field):
    acme = payer()
    arguments = {
        "actor": coach,
        "client": client_user,
        "recipient": acme,
        "legal_name": "Robin A. Park",
        "information_from": date(2020, 1, 1),
        "purpose": "Billing",
        "information": SERVICE,
        "ends_on": today() + timedelta(days=30),
    } | changes
    before = _state()
    with pytest.raises(ValidationError) as refused:
        consent_prepare(**arguments)
    assert field in refused.value.message_dict
    assert _state() == before


@pytest.mark.django_db
def test_it_refuses_an_end_date_in_the_past(coach, client_user):
    with pytest.raises(ValidationError) as refused:
        prepared(coach, client_user, payer(), ends_on=today() - timedelta(days=1))
    assert "past" in refused.value.message_dict["ends_on"][0]
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_it_refuses_another_clients_person_as_recipient(coach, client_user, other_client):
    theirs = Recipient.objects.create(
        person_name="Someone", kind=Recipient.Kind.PERSON, client=other_client
    )
    with pytest.raises(ValidationError) as refused:
        prepared(coach, client_user, theirs)
    assert "recipient" in refused.value.message_dict


@pytest.mark.django_db
def test_only_staff_who_see_the_client_prepare_a_consent(
    coach, supervisor, client_user, other_coach, admin_user
):
    acme = payer()
    assert prepared(supervisor, client_user, acme).prepared_by == supervisor
    for outsider in (other_coach, admin_user, client_user):
        with pytest.raises(PermissionDenied):
            prepared(outsider, client_user, acme)


# --------------------------------------------------------------- signing


@pytest.mark.django_db
def test_the_client_signs_with_their_name_in_any_case_and_spacing(coach, client_user):
    consent = prepared(coach, client_user, payer())
    consent_sign(actor=client_user, consent=consent, typed_name="  robin   PARK ", confirmed=True)
    consent.refresh_from_db()
    assert consent.signed_name == "robin PARK"
    assert consent.signed_at is not None
    assert consent_state(consent, today()).key == "active"
    assert AuditEvent.objects.filter(action="consent.sign", actor=client_user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "confirmed", "field"),
    [
        ("Robin Parks", True, "typed_name"),
        ("", True, "typed_name"),
        ("Robin Park", False, "confirmed"),
    ],
)
def test_it_refuses_a_wrong_signature_and_changes_nothing(
    coach, client_user, typed, confirmed, field
):
    consent = prepared(coach, client_user, payer())
    before = _state()
    with pytest.raises(ValidationError) as refused:
        consent_sign(actor=client_user, consent=consent, typed_name=typed, confirmed=confirmed)
    assert field in refused.value.message_dict
    assert _state() == before


@pytest.mark.django_db
def test_a_consent_past_its_end_date_cannot_be_signed(coach, client_user):
    consent = prepared(coach, client_user, payer(), ends_on=today() + timedelta(days=1))
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        before = _state()
        with pytest.raises(ValidationError) as refused:
            consent_sign(
                actor=client_user, consent=consent, typed_name="Robin Park", confirmed=True
            )
        assert "can no longer be signed" in refused.value.messages[0]
        assert _state() == before


@pytest.mark.django_db
def test_nobody_signs_for_someone_else(coach, client_user, other_client):
    consent = prepared(coach, client_user, payer())
    for someone in (coach, other_client):
        with pytest.raises(PermissionDenied):
            consent_sign(actor=someone, consent=consent, typed_name="Robin Park", confirmed=True)


@pytest.mark.django_db
def test_a_consent_is_signed_once(coach, client_user):
    consent = signed(coach, client_user, payer())
    with pytest.raises(ValidationError):
        consent_sign(actor=client_user, consent=consent, typed_name="Robin Park", confirmed=True)


# ------------------------------------------------------- revoking, ending


@pytest.mark.django_db
def test_the_client_revokes_at_once_and_nothing_is_covered_from_then(coach, client_user):
    acme = payer()
    consent = signed(coach, client_user, acme)
    ids = [client_user.pk]
    assert consents_covering(client_ids=ids, recipient=acme, information=SERVICE, on_day=today())
    consent_revoke(actor=client_user, consent=consent)
    consent.refresh_from_db()
    assert consent.revoked_by == client_user
    assert consent_state(consent, today()).key == "revoked"
    assert not consents_covering(
        client_ids=ids, recipient=acme, information=SERVICE, on_day=today()
    )
    with pytest.raises(ValidationError):
        consent_revoke(actor=client_user, consent=consent)


@pytest.mark.django_db
def test_nobody_revokes_someone_elses_consent(coach, client_user, other_client):
    consent = signed(coach, client_user, payer())
    for someone in (other_client, coach):
        with pytest.raises(PermissionDenied):
            consent_revoke(actor=someone, consent=consent)
    consent.refresh_from_db()
    assert consent.revoked_at is None


@pytest.mark.django_db
def test_staff_end_a_consent_whose_event_happened(coach, supervisor, client_user, other_coach):
    acme = payer()
    consent = signed(coach, client_user, acme, event="The end of my Medicaid enrolment")
    # An event-ended consent holds until someone ends it, however long that is.
    far = today() + timedelta(days=3650)
    assert consents_covering(
        client_ids=[client_user.pk], recipient=acme, information=SERVICE, on_day=far
    )
    with pytest.raises(PermissionDenied):
        consent_end(actor=other_coach, consent=consent)
    consent_end(actor=supervisor, consent=consent)
    consent.refresh_from_db()
    assert consent_state(consent, today()).key == "ended"
    assert not consents_covering(
        client_ids=[client_user.pk], recipient=acme, information=SERVICE, on_day=today()
    )


@pytest.mark.django_db
def test_an_unsigned_consent_cannot_be_revoked(coach, client_user):
    consent = prepared(coach, client_user, payer())
    with pytest.raises(ValidationError):
        consent_revoke(actor=client_user, consent=consent)


# -------------------------------------------------------------- covering


@pytest.mark.django_db
def test_it_covers_through_the_end_date_and_not_a_day_after(coach, client_user):
    acme = payer()
    end = today() + timedelta(days=10)
    signed(coach, client_user, acme, ends_on=end)

    def covered(day):
        return consents_covering(
            client_ids=[client_user.pk], recipient=acme, information=SERVICE, on_day=day
        )

    assert covered(end)
    assert not covered(end + timedelta(days=1))


@pytest.mark.django_db
def test_it_covers_a_subset_of_the_information_and_not_more(coach, client_user):
    acme = payer()
    signed(coach, client_user, acme, information=CLAIM)
    ids = [client_user.pk]
    assert consents_covering(client_ids=ids, recipient=acme, information=SERVICE, on_day=today())
    assert consents_covering(client_ids=ids, recipient=acme, information=CLAIM, on_day=today())
    assert not consents_covering(
        client_ids=ids,
        recipient=acme,
        information=[*CLAIM, Information.SESSION_NOTES],
        on_day=today(),
    )


@pytest.mark.django_db
def test_it_covers_only_the_recipient_the_consent_names(coach, client_user):
    acme, other = payer(), payer("Other Health Plan")
    signed(coach, client_user, acme)
    assert not consents_covering(
        client_ids=[client_user.pk], recipient=other, information=SERVICE, on_day=today()
    )


@pytest.mark.django_db
def test_an_unsigned_consent_covers_nothing(coach, client_user):
    acme = payer()
    prepared(coach, client_user, acme)
    assert not consents_covering(
        client_ids=[client_user.pk], recipient=acme, information=SERVICE, on_day=today()
    )


@pytest.mark.django_db
def test_the_newest_signature_wins_and_it_is_one_query_for_many_clients(coach, client_user):
    acme = payer()
    clients = [client_user]
    for number in range(5):
        person = make_user(f"c{number}@example.org", Role.CLIENT, name=f"Client {number}")
        person.coach_assignments.create(coach=coach)
        clients.append(person)
    for person in clients:
        signed(coach, person, acme)
    newest = signed(coach, client_user, acme)
    with CaptureQueriesContext(connection) as queries:
        found = consents_covering(
            client_ids=[person.pk for person in clients],
            recipient=acme,
            information=SERVICE,
            on_day=today(),
        )
    assert len(queries) == 1
    assert set(found) == {person.pk for person in clients}
    assert found[client_user.pk] == newest


# --------------------------------------------------------------- exports


@pytest.mark.django_db
def test_the_database_keeps_a_signed_consent_as_signed(coach, client_user):
    consent = signed(coach, client_user, payer())
    for change in (
        lambda: Consent.objects.filter(pk=consent.pk).update(purpose="Anything at all"),
        lambda: Consent.objects.filter(pk=consent.pk).update(ends_on=None, ends_on_event="x"),
        lambda: Consent.objects.filter(pk=consent.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    consent_revoke(actor=client_user, consent=consent)  # the one change allowed, once
    with pytest.raises(DatabaseError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(revoked_at=None, revoked_by=None)
    consent.refresh_from_db()
    assert consent.purpose == "Billing Medicaid for peer support"
    assert consent.revoked_at is not None


@pytest.mark.django_db
def test_while_rotating_keys_a_signed_consent_may_change_only_its_ciphertext(coach, client_user):

    consent = signed(coach, client_user, payer())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL coaching.rotating_keys = 'on'")
        cursor.execute(
            "UPDATE coaching_consent SET purpose = %s WHERE id = %s",
            [crypto.encrypt("rotated"), consent.pk],
        )
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute(
                "UPDATE coaching_consent SET information = '{checkins}' WHERE id = %s",
                [consent.pk],
            )
        cursor.execute("SET LOCAL coaching.rotating_keys = 'off'")
    consent.refresh_from_db()
    assert consent.purpose == "rotated"
    assert consent.information == sorted(CLAIM)
