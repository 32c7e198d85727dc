"""Everything people write is encrypted at rest, and key rotation covers it.

- Every text-holding field of every model is either an EncryptedTextField
  or named in PLAINTEXT with the reason it holds no one's words: a new
  free-text field fails here until it is classified.
- `rotate_keys` finds every encrypted field in the model registry: after
  "rotate, then drop the old key" every value still decrypts and every page
  that shows one answers 200 with the text.
- While rotating, the lock triggers let a signed note, an addendum or a
  review change only their ciphertext.
"""

import io

import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.db.utils import DatabaseError

from accounts.fields import EncryptedTextField
from coaching.models import CheckIn
from common import crypto
from sessions_log.models import Note, Session
from tests.helpers import sign_in
from tests.security.free_text import (
    TEXTS_ON,
    encrypted_fields_in_registry,
    fetch,
    pages,
    plant,
    shows,
)

# "app_label.Model.field": why it may be stored in the clear. Free text
# (anything a person types about themselves or someone else) never belongs
# here: make it an EncryptedTextField instead.
PLAINTEXT = {
    # Django and allauth
    "admin.LogEntry.object_id": "a primary key",
    "admin.LogEntry.object_repr": "the name of what an admin changed (people, teams, services)",
    "admin.LogEntry.change_message": "which fields an admin changed: field names, no values",
    "auth.Permission.name": "Django's permission names",
    "auth.Permission.codename": "Django's permission names",
    "auth.Group.name": "Django's group names (unused)",
    "contenttypes.ContentType.app_label": "model names",
    "contenttypes.ContentType.model": "model names",
    "sessions.Session.session_key": "a random key",
    "sessions.Session.session_data": "sign-in state and the app's own notices, not input",
    "accounts.LoginSession.session_key": "a random key",
    "accounts.LoginSession.session_data": "sign-in state and the app's own notices, not input",
    "accounts.LoginSession.user_agent": "browser metadata (the sessions page)",
    "account.EmailAddress.email": "a sign-in address, like User.email",
    "account.EmailConfirmation.key": "a random key",
    "mfa.Authenticator.type": "a choice",
    "mfa.Authenticator.data": "its secrets are encrypted by accounts.adapters.MFAAdapter",
    # accounts
    "accounts.Team.name": "a team's name, sorted and searched by admins",
    "accounts.User.password": "a password hash",
    "accounts.User.email": "the sign-in address, looked up at sign-in",
    "accounts.User.display_name": "a name, sorted and searched; no one's words",
    "accounts.User.time_zone": "a time zone name",
    "accounts.User.role": "a choice",
    "accounts.User.language": "a choice",
    "accounts.User.credential": "a professional credential (CPRS), on signatures and claims",
    "accounts.Invitation.email": "the invited address, looked up when accepted",
    "accounts.Invitation.role": "a choice",
    "accounts.Invitation.language": "a choice",
    "accounts.Invitation.token_digest": "a digest",
    "accounts.AuditEvent.action": "a fixed event name",
    "accounts.AuditEvent.object_type": "a model name",
    "accounts.AuditEvent.object_id": "a primary key",
    "accounts.AuditEvent.outcome": "a choice",
    "accounts.AuditEvent.request_id": "a random id",
    "accounts.AuditEvent.part_actions": "fixed event names, one per part of a page",
    # sessions_log
    "sessions_log.Session.modality": "a choice",
    "sessions_log.Session.status": "a choice",
    "sessions_log.Session.note_state": "a choice",
    "sessions_log.Session.place_type": "a choice",
    "sessions_log.ServiceCode.code": "an admin's list of billing codes",
    "sessions_log.ServiceCode.modifiers": "an admin's list of billing codes",
    "sessions_log.ServiceCode.description": "an admin's list of billing codes",
    "sessions_log.FundingProgramme.name": "an admin's list of programmes",
    "sessions_log.FundingProgramme.unit_rule": "a choice",
    "sessions_log.FundingProgramme.billable_modalities": "choices (contact modes)",
    "sessions_log.Note.signed_credential": "the author's credential at signing",
    "sessions_log.ServiceType.name": "an admin's list of services",
    "sessions_log.Note.services": "names ticked from ServiceType, the admin's list",
    "sessions_log.NoteReview.decision": "a choice",
    "sessions_log.CalendarFeed.token_digest": "a digest",
    "sessions_log.Reminder.kind": "a choice",
    "sessions_log.Reminder.status": "a choice",
    "sessions_log.Reminder.last_error": "the mail server's error, about delivery only",
    "sessions_log.Reminder.channel": "a choice",
    "sessions_log.TextNumber.number_digest": "a keyed digest",
    "sessions_log.TextNumber.code_digest": "a digest",
    "sessions_log.TextNumber.consent_text": "the consent as the app showed it, no one's words",
    "sessions_log.TextNumber.consent_language": "a choice",
    "sessions_log.TextNumber.stopped_by": "a choice",
    "sessions_log.TextMessage.purpose": "a choice",
    "sessions_log.TextMessage.provider_sid": "the provider's random id",
    "sessions_log.TextMessage.status": "a choice",
    "sessions_log.TextWebhook.key": "the provider's random id and a status",
    "sessions_log.TextLink.code": "a random key",
    # coaching
    "coaching.CheckInRequest.token_digest": "a digest",
    "coaching.TrustFlag.rule": "a choice",
    "coaching.TrustFlag.detail": "figures written by the scoring rules, never the client's words",
    "coaching.TrustFlag.status": "a choice",
    "coaching.LifeArea.name": "an admin's list of the parts of life a goal sits in",
    "coaching.AgreedGoal.area": "a LifeArea name, copied when the plan was agreed",
    "coaching.PlanVersion.client_name": (
        "the client's name as typed to agree: it must match User.display_name, itself "
        "stored in the clear"
    ),
    "coaching.Step.who": "a choice",
    "coaching.Step.suggested_by": "a choice",
    "coaching.Step.state": "a choice",
    "coaching.AgreedStep.who": "a choice",
    "coaching.AgreedStep.suggested_by": "a choice",
    "coaching.PlanChange.what": "a choice",
    "coaching.PlanChange.fields": "names of the fields that changed, or a step's new state",
    "coaching.ReferralSource.name": "an admin's list of where clients come from",
    "coaching.Episode.discharge_reason": "a choice",
    "coaching.ContactPreferences.preferred_channels": "choices",
    "coaching.OutreachAttempt.channel": "a choice",
    "coaching.OutreachAttempt.outcome": "a choice",
    "coaching.Recipient.kind": "a choice",
    "coaching.Recipient.name": "an admin's list of organisations (a person's name is encrypted)",
    "coaching.Consent.information": "choices",
    "coaching.Consent.revoked_how": "choices (in the app, in writing, ended by staff)",
    "coaching.Consent.revocation_medium": "choices (letter, form, email, fax, other)",
    "coaching.Disclosure.information": "choices",
    "coaching.Disclosure.export": "a choice",
    "coaching.Disclosure.description": "what an export was, written by the code that made it",
    "coaching.Disclosure.notice_version": "which 42 CFR 2.32 notice went with it (the code)",
    "coaching.Consent.purpose_kind": "a choice (treatment, payment, operations, TPO, other)",
    "coaching.Consent.signed_how": "a choice (in the app, or on paper by client or representative)",
    "coaching.Consent.representative_authority": "a choice (parent, guardian, health care proxy)",
    "coaching.Consent.signed_text_version": "which wording was signed (the code's version string)",
    "coaching.Consent.signed_text_sha256": "a hash of the encrypted signed text",
    "coaching.Consent.signed_language": "a language code (the one it was signed in)",
    "coaching.Consent.signed_text_english_sha256": "a hash of the encrypted English text",
    "coaching.ConsentDocument.kind": "a choice (signed consent, revocation)",
    "coaching.ConsentDocument.content_type": "PDF, JPEG or PNG (checked by content)",
    "coaching.ConsentDocument.sha256": "a hash of the encrypted scan",
    "coaching.Disclosure.basis": "a choice (consent or a Part 2 exception)",
    "coaching.Disclosure.sent_by": "a choice (how it was sent)",
    "coaching.OutgoingFile.information": "choices",
    "coaching.OutgoingFile.sent_by": "a choice (how it was sent)",
    "coaching.ClaimSheet.sent_by": "a choice (how it was sent)",
    "coaching.ClaimSheet.service_dates": "client ids and ISO dates of service",
    "coaching.RecordRequest.kind": "a choice (access or amendment)",
    "coaching.RecordRequest.decision": "a choice",
    # billing: codes, numbers and the organisation's and coaches' public
    # identities; a client's identity, diagnosis and the files sent and
    # received (which name clients) are encrypted.
    "sessions_log.FundingProgramme.place_codes": (
        "CMS place-of-service codes per place type (an admin's list)"
    ),
    "sessions_log.FundingProgramme.telehealth_modifiers": (
        "modifier codes per contact mode (an admin's list)"
    ),
    "coaching.BillingOrganisation.name": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.address_line1": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.address_line2": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.city": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.state": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.postal_code": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.npi": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.tax_id": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.taxonomy": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.submitter_id": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.contact_name": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.BillingOrganisation.contact_phone": (
        "the organisation's own billing identity, public on its claims (NPPES)"
    ),
    "coaching.ProviderIdentity.last_name": (
        "a coach's professional identity, public in the NPI registry"
    ),
    "coaching.ProviderIdentity.first_name": (
        "a coach's professional identity, public in the NPI registry"
    ),
    "coaching.ProviderIdentity.npi": "a coach's professional identity, public in the NPI registry",
    "coaching.ProviderIdentity.taxonomy": (
        "a coach's professional identity, public in the NPI registry"
    ),
    "coaching.ProgrammePayer.payer_id": "the payer's id at its clearinghouse",
    "coaching.ProgrammePayer.filing_code": "a code (SBR09)",
    "coaching.ProgrammePayer.receiver_name": "the clearinghouse's name",
    "coaching.ProgrammePayer.receiver_id": "the clearinghouse's id",
    "coaching.ClaimBatch.frequency": "a choice",
    "coaching.Claim.claim_id": "a number the app makes (CLM01)",
    "coaching.Claim.frequency": "a choice",
    "coaching.Claim.payer_claim_number": "the payer's reference number for a claim",
    "coaching.ClaimLine.control_number": "a number the app makes (REF*6R)",
    "coaching.ClaimLine.code": "a billing code from the admin's list",
    "coaching.ClaimLine.modifiers": "modifier codes from the admin's lists",
    "coaching.ClaimLine.place_of_service": "a CMS place-of-service code",
    "coaching.ClaimLine.state": "a choice",
    "coaching.ClaimLine.reason_codes": "the payer's adjustment codes (CARC), no one's words",
    "coaching.Remittance.payer_name": "an organisation's name, as the 835 gives it",
    "coaching.Remittance.trace_number": "the payment's check or EFT number",
    "coaching.Remittance.payer_tax_id": "the payer's tax id",
}


def _holds_text(field) -> bool:
    if isinstance(field, ArrayField):
        return _holds_text(field.base_field)
    return isinstance(field, models.CharField | models.TextField | models.JSONField)


def _text_fields() -> dict[str, models.Field]:
    return {
        f"{model._meta.label}.{field.name}": field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False) and field.model is model and _holds_text(field)
    }


def test_every_text_field_is_encrypted_or_classified_as_holding_no_ones_words():
    fields = _text_fields()
    unclassified = sorted(
        name
        for name, field in fields.items()
        if not isinstance(field, EncryptedTextField) and name not in PLAINTEXT
    )
    assert not unclassified, (
        "Free text must be an EncryptedTextField; a field that holds no one's words "
        f"goes in PLAINTEXT with the reason: {unclassified}"
    )
    assert not [name for name in PLAINTEXT if isinstance(fields.get(name), EncryptedTextField)]
    assert not sorted(set(PLAINTEXT) - set(fields)), "PLAINTEXT names a field that is gone"


def test_the_fields_people_write_in_are_encrypted():
    fields = _text_fields()
    for name in (
        "sessions_log.Session.location",
        "sessions_log.Session.video_url",
        "sessions_log.Session.agenda",
        "sessions_log.Session.cancel_reason",
        "sessions_log.Note.goals",
        "sessions_log.Note.next_steps",
        "sessions_log.NoteReview.comment",
        "accounts.CaseloadAssignment.end_reason",
        "coaching.Goal.words",
        "coaching.Goal.why",
        "coaching.Step.action",
        "coaching.Step.how_it_went",
        "coaching.AgreedGoal.words",
        "coaching.AgreedGoal.why",
        "coaching.AgreedStep.action",
        "coaching.NoteGoal.words",
        "coaching.Episode.discharge_summary",
        "sessions_log.Note.over_cap_reason",
        "accounts.PayerIdentity.date_of_birth",
        "accounts.PayerIdentity.member_id",
        "coaching.Recipient.person_name",
        "coaching.Consent.purpose",
        "coaching.Consent.ends_on_event",
        "coaching.Consent.signed_name",
        "coaching.Consent.revocation_note",
        "coaching.Consent.legal_name",
        "coaching.Consent.representative_name",
        "coaching.Consent.signed_text",
        "coaching.Consent.signed_text_english",
        "coaching.ConsentDocument.content",
        "coaching.Recipient.address",
        "coaching.Disclosure.recipient_name",
        "coaching.Disclosure.recipient_address",
        "coaching.Disclosure.purpose",
        "coaching.OutgoingFile.file_text",
        "coaching.ClaimSheet.file_text",
    ):
        assert isinstance(fields[name], EncryptedTextField), name


def test_an_encrypted_field_still_limits_the_length_of_the_plain_text():
    """The column is unbounded text (ciphertext is longer); the limit the
    field declares holds for what people type."""
    agenda = Session._meta.get_field("agenda")
    assert agenda.clean("x" * 2000, Session()) == "x" * 2000
    with pytest.raises(ValidationError):
        agenda.clean("x" * 2001, Session())
    assert agenda.formfield().max_length == 2000


def _raw_values(label: str, name: str) -> list[str]:
    model = apps.get_model(label)
    column = connection.ops.quote_name(model._meta.get_field(name).column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
            f"WHERE {column} <> ''"
        )
        return [row[0] for row in cursor.fetchall()]


def _rotate_and_drop_the_old_key(settings) -> str:
    """The documented rotation: a new key first, rotate_keys, the old key
    dropped. Returns the new key."""
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_keys", stdout=io.StringIO())
    # common.crypto caches one MultiFernet per tuple of keys: the new
    # setting alone is what decrypts from here on.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    return new_key


@pytest.fixture
def planted(team, coach, supervisor):
    return plant(team=team, coach=coach, supervisor=supervisor)


@pytest.mark.django_db
def test_rotation_rewrites_every_encrypted_field_in_the_registry(planted, settings):
    encrypted = encrypted_fields_in_registry()
    assert encrypted <= set(planted["text"]), "free_text.texts() must fill every encrypted field"

    _rotate_and_drop_the_old_key(settings)

    for label, name in sorted(encrypted):
        values = _raw_values(label, name)
        assert values, (label, name)
        assert planted["text"][label, name] not in values, (label, name)  # ciphertext...
        decrypted = [crypto.decrypt(value) for value in values]  # ...under the new key alone
        assert planted["text"][label, name] in decrypted, (label, name)
    for authenticator in Authenticator.objects.all():
        for key in ("secret", "seed"):
            if key in authenticator.data:
                crypto.decrypt(authenticator.data[key])


@pytest.mark.django_db
def test_after_rotating_and_dropping_the_old_key_every_page_shows_its_text(
    client, planted, settings
):
    _rotate_and_drop_the_old_key(settings)
    for name, value in TEXTS_ON.items():  # the texts' page says it is off without them
        setattr(settings, name, value)

    shown = set()
    for person, url, fields in pages(planted):
        sign_in(client, person)
        response = fetch(client, url)
        assert response.status_code == 200, (person.email, url)
        for field in fields:
            assert shows(response, field, planted["text"][field]), (person.email, url, field)
            shown.add(field)
    assert shown >= encrypted_fields_in_registry(), "free_text.pages() must show every field"


@pytest.mark.django_db
def test_rotation_stops_and_changes_nothing_when_a_value_cannot_be_decrypted(planted, settings):
    note = Note.objects.get(session_id=planted["past"])
    before = _raw_values("sessions_log.Note", "narrative")
    checkin = CheckIn.objects.get(client=planted["client"])
    with connection.cursor() as cursor:  # written with a key nobody has any more
        cursor.execute(
            "UPDATE coaching_checkin SET comment = %s WHERE id = %s",
            [Fernet(Fernet.generate_key()).encrypt(b"lost").decode(), checkin.pk],
        )
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]

    with pytest.raises(CommandError, match=rf"coaching.CheckIn.comment of row {checkin.pk}"):
        call_command("rotate_keys")

    assert _raw_values("sessions_log.Note", "narrative") == before
    assert Note.objects.get(pk=note.pk).narrative == note.narrative


@pytest.mark.django_db
def test_while_rotating_a_signed_note_or_review_may_change_only_its_ciphertext(planted):
    note_id = Note.objects.get(session_id=planted["past"]).pk
    refused = [
        "UPDATE sessions_log_note SET services = '{Housing}' WHERE id = %s",
        "UPDATE sessions_log_note SET signed_at = now() WHERE id = %s",
        "UPDATE sessions_log_notereview SET decision = 'cosigned' WHERE note_id = %s",
        "UPDATE sessions_log_addendum SET signed_at = now() WHERE note_id = %s",
        "DELETE FROM sessions_log_notereview WHERE note_id = %s",
    ]
    for sql in refused:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL coaching.rotating_keys = 'on'")
            cursor.execute(sql, [note_id])
    allowed = [
        "UPDATE sessions_log_note SET goals = %s, next_steps = %s WHERE id = %s",
        "UPDATE sessions_log_notereview SET comment = %s WHERE note_id = %s",
    ]
    for sql in allowed:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL coaching.rotating_keys = 'on'")
            values = [crypto.encrypt("rotated")] * (sql.count("%s") - 1)
            cursor.execute(sql, [*values, note_id])
            # SET LOCAL outlives a savepoint: the test's own transaction goes on.
            cursor.execute("SET LOCAL coaching.rotating_keys = 'off'")
    # Without the setting, not even the ciphertext of a signed note may change.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sessions_log_note SET goals = %s WHERE id = %s",
            [crypto.encrypt("changed"), note_id],
        )
