"""Issue 28, point 8 (coaching/services/revocations.py and the consents
selectors): a revocation the client made in writing, recorded by staff,
leaves them out of the next export (42 CFR 2.31(a)(6): the right to revoke
in writing); an end date counts in the client's own day."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditEvent, Role
from coaching.models import Consent, ExportKind
from coaching.selectors.consents import consent_state, consents_covering
from coaching.services.consents import consent_end, consent_revoke, consent_revoke_in_writing
from coaching.services.disclosures import consent_disclose, export_split
from tests.coaching.test_consents import CLAIM, _state, payer, prepared, signed, today
from tests.conftest import make_user

NOTE = "Letter kept in the paper file, drawer 3"


def _split(coach, clients, acme):
    return export_split(
        actor=coach,
        client_ids=[client.pk for client in clients],
        recipient=acme,
        information=CLAIM,
        export=ExportKind.CLAIM_FILE,
        service_dates=None,
        description="Claim file",
    )


# ------------------------------------------------ revocation in writing


@pytest.mark.django_db
def test_a_revocation_recorded_in_writing_leaves_the_client_out_of_the_next_export(
    coach, client_user
):
    acme = payer()
    consent = signed(coach, client_user, acme)
    assert _split(coach, [client_user], acme).consented_ids == [client_user.pk]
    consent_revoke_in_writing(
        actor=coach, consent=consent, medium="letter", received_on=today(), note=NOTE
    )
    after = _split(coach, [client_user], acme)
    assert after.consented_ids == [] and after.unconsented_ids == [client_user.pk]
    consent.refresh_from_db()
    assert (consent.revoked_how, consent.revocation_medium) == ("in_writing", "letter")
    assert consent.revocation_received_on == today() and consent.revocation_note == NOTE
    assert consent.revoked_by == coach
    assert consent_state(consent, today()).label == "Revoked in writing"
    assert (
        AuditEvent.objects.filter(action="consent.revoke_in_writing", client=client_user).count()
        == 1
    )
    with connection.cursor() as cursor:  # the note is kept encrypted
        cursor.execute("SELECT revocation_note FROM coaching_consent WHERE id = %s", [consent.pk])
        assert "drawer" not in cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_revocation_in_the_app_and_an_end_by_staff_say_how_they_happened(coach, client_user):
    first, second = signed(coach, client_user, payer()), signed(coach, client_user, payer("B"))
    consent_revoke(actor=client_user, consent=first)
    consent_end(actor=coach, consent=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.revoked_how, second.revoked_how) == ("in_app", "ended")
    assert first.revocation_received_on is None and second.revocation_medium == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("medium", "days", "note", "field"),
    [
        ("", 0, "", "medium"),
        ("carrier pigeon", 0, "", "medium"),
        ("letter", None, "", "received_on"),
        ("letter", 1, "", "received_on"),  # tomorrow in the client's day
        ("letter", -400, "", "received_on"),  # before the signature
        ("email", 0, "x" * 501, "note"),
    ],
)
def test_a_bad_written_revocation_is_refused_plainly_and_changes_nothing(
    coach, client_user, medium, days, note, field
):
    consent = signed(coach, client_user, payer())
    before = _state()
    received_on = None if days is None else today() + timedelta(days=days)
    with pytest.raises(ValidationError) as refused:
        consent_revoke_in_writing(
            actor=coach, consent=consent, medium=medium, received_on=received_on, note=note
        )
    assert field in refused.value.message_dict
    assert _state() == before


@pytest.mark.django_db
def test_a_draft_or_an_ended_consent_cannot_be_revoked_in_writing(coach, client_user):
    draft = prepared(coach, client_user, payer())
    ended = signed(coach, client_user, payer("B"))
    consent_revoke(actor=client_user, consent=ended)
    before = _state()
    for consent, message in ((draft, "never signed"), (ended, "already ended")):
        with pytest.raises(ValidationError, match=message):
            consent_revoke_in_writing(
                actor=coach, consent=consent, medium="form", received_on=today()
            )
    assert _state() == before


@pytest.mark.django_db
def test_only_staff_of_the_client_record_a_written_revocation(
    coach, client_user, other_coach, supervisor
):
    consent = signed(coach, client_user, payer())
    for outsider in (other_coach, client_user):
        with pytest.raises(PermissionDenied):
            consent_revoke_in_writing(
                actor=outsider, consent=consent, medium="letter", received_on=today()
            )
    consent_revoke_in_writing(actor=supervisor, consent=consent, medium="fax", received_on=today())
    consent.refresh_from_db()
    assert consent.revoked_by == supervisor


@pytest.mark.django_db
def test_the_database_keeps_a_written_revocation_as_recorded(coach, client_user):
    consent = signed(coach, client_user, payer())
    consent_revoke_in_writing(actor=coach, consent=consent, medium="letter", received_on=today())
    for change in (
        lambda: Consent.objects.filter(pk=consent.pk).update(revocation_medium="email"),
        lambda: Consent.objects.filter(pk=consent.pk).update(revocation_note="later words"),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    consent.refresh_from_db()
    assert (consent.revocation_medium, consent.revocation_note) == ("letter", "")


# ------------------------------------------------ the client's own day

# 4 March 2027, 05:00 UTC: still 3 March (19:00) in Honolulu.
AFTER_UTC_MIDNIGHT = datetime(2027, 3, 4, 5, 0, tzinfo=UTC)
# 4 March 2027, 11:00 UTC: 4 March (01:00) in Honolulu too.
AFTER_HONOLULU_MIDNIGHT = datetime(2027, 3, 4, 11, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_consent_ending_today_holds_until_midnight_in_the_clients_own_zone(coach, client_user):
    """42 CFR 2.31(a)(7): the consent ends on the date it states; the
    client's date, wherever the server counts days."""
    far = make_user("kai@example.org", Role.CLIENT, name="Kai Mahoe")
    far.time_zone = "Pacific/Honolulu"
    far.save()
    coach.caseload_assignments.create(client=far)
    acme = payer()
    with time_machine.travel(datetime(2027, 1, 10, 18, 0, tzinfo=UTC), tick=False):
        consents = {
            person.pk: signed(coach, person, acme, ends_on=date(2027, 3, 3))
            for person in (client_user, far)
        }
    ids = [client_user.pk, far.pk]
    with time_machine.travel(AFTER_UTC_MIDNIGHT, tick=False):
        assert set(consents_covering(client_ids=ids, recipient=acme, information=CLAIM)) == {far.pk}
        split = _split(coach, [client_user, far], acme)
        assert (split.consented_ids, split.unconsented_ids) == ([far.pk], [client_user.pk])
        days = {"start": date(2027, 1, 1), "end": date(2027, 3, 3)}
        assert consent_disclose(actor=coach, consent=consents[far.pk], **days).consent_id == (
            consents[far.pk].pk
        )
        with pytest.raises(ValidationError):
            consent_disclose(actor=coach, consent=consents[client_user.pk], **days)
    with time_machine.travel(AFTER_HONOLULU_MIDNIGHT, tick=False):
        assert consents_covering(client_ids=ids, recipient=acme, information=CLAIM) == {}
        assert _split(coach, [client_user, far], acme).consented_ids == []
