"""Unique text in every field that holds people's words, written the way
people write it (through the services), and the pages that show it to the
right person. Shared by the key rotation and canary tests.

A new encrypted field needs a line here: the tests compare these keys with
every EncryptedTextField in the model registry and fail on a missing one.
"""

import base64
import itertools
import uuid
from datetime import date, timedelta

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.fields import EncryptedTextField
from accounts.models import CaseloadAssignment, Role, User
from accounts.services import payer_identity_set
from coaching.models import Claim, Episode, LifeArea, PlanVersion, ReferralSource, TrustFlag
from coaching.services.billing import claim_export
from coaching.services.caseloads import client_reassign
from coaching.services.claims import claim_batch_create
from coaching.services.consents import consent_prepare, consent_revoke_in_writing, consent_sign
from coaching.services.disclosures import consent_disclose, outgoing_file_mark_sent
from coaching.services.episodes import episode_billing_set, episode_discharge, episode_open
from coaching.services.outside_disclosures import disclosure_record_outside
from coaching.services.paper_consents import consent_sign_on_paper
from coaching.services.plans import (
    goal_add,
    goal_change,
    plan_confirm,
    plan_sign,
    step_add,
    step_change,
    step_progress,
)
from coaching.services.record_requests import record_request_decide, record_request_log
from coaching.services.remittances import remittance_apply
from coaching.services.trust import checkin_submit, flag_resolve
from common.dates import local_today
from sessions_log.models import FundingProgramme, ServiceCode
from sessions_log.services.notes import (
    addendum_add,
    note_open,
    note_review,
    note_save_draft,
    note_sign,
)
from sessions_log.services.sessions import session_billing_set, session_cancel, session_schedule
from sessions_log.services.texts import text_number_start
from tests.coaching.remittance_helpers import remittance_835
from tests.conftest import make_user
from tests.helpers import billable_contact, billing_identities, past_contact

# The client as a claim names them (837P 2010BA), beside the member id.
CLAIM_IDENTITY = (
    "legal_last_name",
    "legal_first_name",
    "sex",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
)

LOW = {"heard": 6, "safe": 5, "focus": 7, "trust": 6, "helping": 6}
_NOTE_TEXT = ("goals", "narrative", "client_words", "next_steps")


def encrypted_fields_in_registry() -> set[tuple[str, str]]:
    """(model label, field name) of every EncryptedTextField of every model,
    found here independently of accounts.rotation."""
    return {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedTextField) and field.model is model
    }


def texts(token: str) -> dict[tuple[str, str], str]:
    """A unique, HTML-safe text for each encrypted field, each with `token`."""
    fields = {
        ("accounts.CaseloadAssignment", "end_reason"),
        ("sessions_log.Session", "location"),
        ("sessions_log.Session", "video_url"),
        ("sessions_log.Session", "agenda"),
        ("sessions_log.Session", "cancel_reason"),
        ("sessions_log.Note", "goals"),
        ("sessions_log.Note", "narrative"),
        ("sessions_log.Note", "client_words"),
        ("sessions_log.Note", "next_steps"),
        ("sessions_log.Addendum", "text"),
        ("sessions_log.NoteReview", "comment"),
        ("coaching.CheckIn", "comment"),
        ("coaching.TrustFlag", "resolution_note"),
        ("coaching.SupervisorRequest", "message"),
        ("coaching.Goal", "words"),
        ("coaching.Goal", "why"),
        ("coaching.Step", "action"),
        ("coaching.Step", "how_it_went"),
        ("coaching.AgreedGoal", "words"),
        ("coaching.AgreedGoal", "why"),
        ("coaching.AgreedStep", "action"),
        ("coaching.NoteGoal", "words"),
        ("coaching.Episode", "discharge_summary"),
        ("sessions_log.Note", "over_cap_reason"),
        ("accounts.PayerIdentity", "date_of_birth"),
        ("accounts.PayerIdentity", "member_id"),
        ("coaching.Recipient", "person_name"),
        ("coaching.Consent", "purpose"),
        ("coaching.Consent", "ends_on_event"),
        ("coaching.Consent", "signed_name"),
        ("coaching.Consent", "revocation_note"),
        ("coaching.Consent", "legal_name"),
        ("coaching.Consent", "representative_name"),
        ("coaching.ConsentDocument", "content"),
        # Made at signing from the consent's words: plant() sets it to what
        # was signed, and the signed copy's download shows it whole.
        ("coaching.Consent", "signed_text"),
        # Signed in Spanish, the English text of the same consent is kept too.
        ("coaching.Consent", "signed_text_english"),
        *(("accounts.PayerIdentity", name) for name in CLAIM_IDENTITY),
        ("coaching.Episode", "diagnosis_code"),
        ("coaching.Episode", "prior_authorization"),
        ("coaching.RecordRequest", "asked"),
        ("coaching.RecordRequest", "denial_reason"),
        ("coaching.RecordRequest", "disagreement"),
        # A disclosure made outside the app, to someone not on the list.
        ("coaching.Disclosure", "recipient_name"),
        ("coaching.Disclosure", "recipient_address"),
        ("coaching.Disclosure", "purpose"),
        ("coaching.Recipient", "address"),
        # Made from the consent and the recipient when a file is downloaded:
        # plant() sets it to what was made.
        ("coaching.OutgoingFile", "file_text"),
        # The CSV claim file as downloaded: plant() sets it to what was made.
        ("coaching.ClaimSheet", "file_text"),
        ("sessions_log.TextNumber", "number"),
    }
    planted = {
        (label, name): f"Canary {label.split('.')[1]} {name} {token}" for label, name in fields
    }
    planted["sessions_log.Session", "video_url"] = f"https://video.example.org/room-{token}"
    # Identifiers have their own shapes: a date of birth and a member id.
    planted["accounts.PayerIdentity", "date_of_birth"] = "1987-03-14"
    planted["accounts.PayerIdentity", "member_id"] = f"MBR-{token[:20]}"
    # A claim's name and address, within the 837P's lengths, and its codes.
    planted["accounts.PayerIdentity", "legal_last_name"] = f"Last {token}"
    planted["accounts.PayerIdentity", "legal_first_name"] = f"First {token[:28]}"
    planted["accounts.PayerIdentity", "sex"] = "F"
    planted["accounts.PayerIdentity", "address_line1"] = f"1 Canary St {token}"
    planted["accounts.PayerIdentity", "address_line2"] = f"Apt {token}"
    planted["accounts.PayerIdentity", "city"] = f"City {token[:24]}"
    planted["accounts.PayerIdentity", "state"] = "IL"
    planted["accounts.PayerIdentity", "postal_code"] = f"{int(token, 16) % 10**9:09d}"
    planted["coaching.Episode", "diagnosis_code"] = "F15.288"
    # A mobile number (E.164, a valid US exchange) told apart by the token.
    planted["sessions_log.TextNumber", "number"] = f"+13125{int(token, 16) % 10**6:06d}"
    planted["coaching.Episode", "prior_authorization"] = f"PA-{token}"
    # A signature must be the client's name (any case and spacing): this
    # one is told apart by its case alone, which the token sets.
    planted["coaching.Consent", "signed_name"] = _cased(CLIENT_NAME, token)
    return planted


CLIENT_NAME = "Quinn Client"
# Enough of a Twilio account for the opt-in service to take a number. Its
# API is a closed port on loopback: a code text (sent only when the test
# commits and runs tasks) is refused at once and never leaves the machine.
TEXTS_ON = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "free-text-token",
    "TWILIO_FROM_NUMBER": "+15005550006",
    "TWILIO_API_URL": "http://127.0.0.1:9",
}

# One- and two-letter codes (sex, a state) turn up by chance in any dump of
# ciphertext: the dump test leaves them out of its search; the rotation test
# still shows they are stored encrypted.
SHORT_CODES = {("accounts.PayerIdentity", "sex"), ("accounts.PayerIdentity", "state")}

# Files kept as base64 inside the ciphertext (a scan): their planted text is
# the base64 of the bytes, and the page that shows them is the download,
# which serves the bytes themselves.
FILES = {("coaching.ConsentDocument", "content")}


# A number is never shown whole, even to its owner: their page names it by
# its last four digits ("the number ending 6789").
LAST_DIGITS = {("sessions_log.TextNumber", "number")}


def shows(response, field, text: str) -> bool:
    """Whether a page (or download) shows a field's planted text: a file's
    download serves the bytes whose base64 is kept."""
    if field in FILES:
        return base64.b64encode(response.content).decode() == text
    if field in LAST_DIGITS:
        return f"ending {text[-4:]}" in response.content.decode()
    return text in response.content.decode()


def _cased(name: str, token: str) -> str:
    cased = "".join(
        char.upper() if int(digit, 16) % 2 else char.lower()
        for char, digit in zip(name, itertools.cycle(token), strict=False)
    )
    return cased[0].lower() + cased[1:]  # never the name as written


def plant(*, team, coach, supervisor) -> dict:
    """Write texts() through the services for a client of `coach` who came
    from another coach of the team. Returns the texts, the people and the
    records' ids."""
    token = uuid.uuid4().hex
    text = texts(token)
    former_coach = make_user("drew@example.org", Role.COACH, name="Drew Former", team=team)
    client = make_user("quinn@example.org", Role.CLIENT, name=CLIENT_NAME)
    CaseloadAssignment.objects.create(coach=former_coach, client=client)
    client_reassign(
        actor=supervisor,
        client=client,
        new_coach=coach,
        reason=text["accounts.CaseloadAssignment", "end_reason"],
        cancel_upcoming=False,
    )
    # An episode of care, discharged with a summary, then a readmission.
    today = timezone.localdate()
    referred = ReferralSource.objects.get_or_create(name="Self")[0]  # flushed: none
    episode_open(
        actor=coach,
        client=client,
        intake_date=today - timedelta(days=60),
        referral_source=referred,
    )
    episode_discharge(
        actor=coach,
        client=client,
        discharge_date=today - timedelta(days=30),
        reason="moved",
        summary=text["coaching.Episode", "discharge_summary"],
    )
    episode_open(
        actor=coach, client=client, intake_date=today - timedelta(days=5), referral_source=referred
    )
    upcoming = session_schedule(
        actor=coach,
        client=client,
        starts_at=timezone.now() + timedelta(days=3),
        duration=timedelta(hours=1),
        modality="video",
        location=text["sessions_log.Session", "location"],
        video_url=text["sessions_log.Session", "video_url"],
        agenda=text["sessions_log.Session", "agenda"],
    )
    cancelled = session_schedule(
        actor=coach,
        client=client,
        starts_at=timezone.now() + timedelta(days=5),
        duration=timedelta(hours=1),
        modality="phone",
    )
    session_cancel(
        actor=coach, session=cancelled, reason=text["sessions_log.Session", "cancel_reason"]
    )
    # The recovery plan: agreed as first written (AgreedGoal, AgreedStep),
    # then changed (Goal, Step), a step tried; the note below works on it.
    housing = LifeArea.objects.get_or_create(name="Housing")[0]  # a flushed database has none
    goal = goal_add(
        actor=client,
        client=client,
        area=housing,
        words=text["coaching.AgreedGoal", "words"],
        why=text["coaching.AgreedGoal", "why"],
    )
    step = step_add(
        actor=coach,
        goal=goal,
        action=text["coaching.AgreedStep", "action"],
        who="client",
        suggested_by="coach",
    )
    version = PlanVersion.objects.get(plan__client=client)
    plan_confirm(actor=client, version=version, typed_name=client.display_name, confirmed=True)
    plan_sign(actor=coach, version=version)
    goal_change(
        actor=coach,
        goal=goal,
        area=housing,
        words=text["coaching.Goal", "words"],
        why=text["coaching.Goal", "why"],
    )
    step_change(actor=coach, step=step, action=text["coaching.Step", "action"], who="both")
    step_progress(
        actor=client, step=step, state="trying", how_it_went=text["coaching.Step", "how_it_went"]
    )
    past = past_contact(coach, client, timedelta(hours=3))
    session_billing_set(
        actor=coach,
        session=past,
        place_type="phone",
        service_code=ServiceCode.objects.get_or_create(code="H0038", modifiers="")[0],
        funding_programme=FundingProgramme.objects.get_or_create(name="Medicaid")[0],
    )
    note = note_open(actor=coach, session=past)
    note_save_draft(
        actor=coach,
        note=note,
        **{name: text["sessions_log.Note", name] for name in _NOTE_TEXT},
        # The note form's plan goals (coaching's fields, through sessions_log's hook).
        plan_goals=[goal.pk],
        **{f"plan_goal_words_{goal.pk}": text["coaching.NoteGoal", "words"]},
    )
    # A cap of one unit: the 30-minute contact (2 units) goes over it.
    FundingProgramme.objects.filter(name="Medicaid").update(daily_unit_cap=1)
    note = note_sign(
        actor=coach, note=note, over_cap_reason=text["sessions_log.Note", "over_cap_reason"]
    )
    biller = make_user("bea@example.org", Role.ADMIN, name="Bea Billing")
    payer_identity_set(
        actor=biller,
        client=client,
        date_of_birth=date.fromisoformat(text["accounts.PayerIdentity", "date_of_birth"]),
        member_id=text["accounts.PayerIdentity", "member_id"],
    )
    billed = _bill(coach=coach, client=client, supervisor=supervisor, biller=biller, text=text)
    note_review(
        actor=supervisor,
        note=note,
        decision="returned",
        comment=text["sessions_log.NoteReview", "comment"],
    )
    addendum_add(actor=coach, note=note, text=text["sessions_log.Addendum", "text"])
    checkin_submit(
        client=client,
        answers=LOW,
        comment=text["coaching.CheckIn", "comment"],
        talk_to_supervisor=True,
        message=text["coaching.SupervisorRequest", "message"],
    )
    flag_resolve(
        actor=supervisor,
        flag=TrustFlag.objects.filter(client=client).first(),
        note=text["coaching.TrustFlag", "resolution_note"],
    )
    # A consent to a person the client named, signed on their phone.
    consent = _signed_consent(coach, client, text)
    text["coaching.Consent", "signed_text"] = consent.signed_text
    # Its file to that person, downloaded and marked sent (the accounting's row).
    consent.recipient.address = text["coaching.Recipient", "address"]
    consent.recipient.save(update_fields=["address"])
    outgoing = consent_disclose(
        actor=coach, consent=consent, start=date(2020, 1, 1), end=local_today(client)
    )
    sent = outgoing_file_mark_sent(
        actor=coach, file_pk=outgoing.pk, sent_on=local_today(client), sent_by="email"
    )
    text["coaching.OutgoingFile", "file_text"] = outgoing.file_text
    # Its Disclosure keeps the consent's purpose and the recipient's address.
    assert (sent.purpose, sent.recipient_address) == (
        text["coaching.Consent", "purpose"],
        text["coaching.Recipient", "address"],
    )
    # An amendment of that note asked for, and denied with the client's statement.
    record_request = record_request_log(
        actor=coach,
        client=client,
        kind="amendment",
        received_on=today,
        asked=text["coaching.RecordRequest", "asked"],
        note=note,
    )
    record_request_decide(
        actor=supervisor,
        request=record_request,
        decision="denied",
        denial_reason=text["coaching.RecordRequest", "denial_reason"],
        disagreement=text["coaching.RecordRequest", "disagreement"],
    )
    # A second one, signed in Spanish (the English text kept beside it),
    # revoked in writing: staff's note on the client's page.
    User.objects.filter(pk=client.pk).update(language="es")
    revoked = _signed_consent(coach, client, text)
    User.objects.filter(pk=client.pk).update(language="en")
    text["coaching.Consent", "signed_text_english"] = revoked.signed_text_english
    consent_revoke_in_writing(
        actor=coach,
        consent=revoked,
        medium="letter",
        received_on=local_today(client),
        note=text["coaching.Consent", "revocation_note"],
    )
    # A disclosure made outside the app in an emergency (42 CFR 2.51):
    # the client's accounting shows it.
    disclosure_record_outside(
        actor=coach,
        client=client,
        sent_at=timezone.now() - timedelta(hours=1),
        basis="emergency",
        recipient_name=text["coaching.Disclosure", "recipient_name"],
        recipient_address=text["coaching.Disclosure", "recipient_address"],
        information=["service_record"],
        service_from=today - timedelta(days=30),
        service_to=today,
        purpose=text["coaching.Disclosure", "purpose"],
        sent_by="phone",
    )
    # A third, signed on paper by a guardian, with its scan (kept as base64).
    paper = consent_prepare(
        actor=coach,
        client=client,
        legal_name=text["coaching.Consent", "legal_name"],
        information_from=date(2020, 1, 1),
        person_name=text["coaching.Recipient", "person_name"],
        purpose=text["coaching.Consent", "purpose"],
        information=["recovery_plan"],
        ends_on_event=text["coaching.Consent", "ends_on_event"],
    )
    scan = ("%PDF-1.7 " + text["coaching.ConsentDocument", "content"]).encode()
    consent_sign_on_paper(
        actor=coach,
        consent=paper,
        signed_by_name=text["coaching.Consent", "representative_name"],
        signed_on=local_today(client),
        authority="guardian",
        scan=SimpleUploadedFile("scan.pdf", scan),
    )
    # The scan's field holds base64 of its bytes: the download serves the bytes.
    text["coaching.ConsentDocument", "content"] = base64.b64encode(scan).decode()
    text.update(billed.pop("files"))
    # The client's number for texts, given on their page (texts on for it).
    with override_settings(**TEXTS_ON):
        text_number_start(
            actor=client, number=text["sessions_log.TextNumber", "number"], consent=True
        )
    return {
        "paper_consent": paper.pk,
        "paper_scan": paper.documents.get().pk,
        "record_request": record_request.pk,
        "token": token,
        "text": text,
        **billed,
        "consent": consent.pk,
        "spanish_consent": revoked.pk,
        "outgoing_file": outgoing.pk,
        "client": client,
        "coach": coach,
        "supervisor": supervisor,
        "biller": biller,
        "upcoming": upcoming.pk,
        "cancelled": cancelled.pk,
        "past": past.pk,
    }


def _signed_consent(coach, client, text):
    """A consent to a person the client named, with the planted words,
    signed by the client."""
    consent = consent_prepare(
        actor=coach,
        client=client,
        legal_name=text["coaching.Consent", "legal_name"],
        information_from=date(2020, 1, 1),
        person_name=text["coaching.Recipient", "person_name"],
        purpose=text["coaching.Consent", "purpose"],
        information=["recovery_plan"],
        ends_on_event=text["coaching.Consent", "ends_on_event"],
    )
    consent = consent_sign(
        actor=client,
        consent=consent,
        typed_name=text["coaching.Consent", "signed_name"],
        confirmed=True,
    )
    return consent


def _bill(*, coach, client, supervisor, biller, text) -> dict:
    """The client's claim identities written through the billing services,
    a billed contact sent in a batch (its 837P names the client) and the
    payer's 835 answering it uploaded: the files are kept encrypted."""
    billing_identities(coach=coach, client=client, admin=biller, consent=True)
    identity = {name: text["accounts.PayerIdentity", name] for name in CLAIM_IDENTITY}
    payer_identity_set(
        actor=biller,
        client=client,
        date_of_birth=date.fromisoformat(text["accounts.PayerIdentity", "date_of_birth"]),
        member_id=text["accounts.PayerIdentity", "member_id"],
        **identity,
    )
    episode_billing_set(
        actor=biller,
        episode=Episode.objects.get(client=client, discharge_date__isnull=True),
        diagnosis_code=text["coaching.Episode", "diagnosis_code"],
        prior_authorization=text["coaching.Episode", "prior_authorization"],
    )
    started = timezone.now() - timedelta(days=2, hours=7)
    billable_contact(coach, client, started=started, minutes=30, supervisor=supervisor)
    day = timezone.localdate(started)
    made = claim_batch_create(
        actor=biller,
        programmes=[FundingProgramme.objects.get(name="Medicaid")],
        start=day - timedelta(days=1),
        end=day + timedelta(days=1),
    )
    answer = remittance_835(list(Claim.objects.filter(batch__interchange=made.interchange)))
    remittance = remittance_apply(actor=biller, text=answer)
    # The CSV claim file of those days, kept as downloaded (it names the client).
    sheet = claim_export(
        actor=biller,
        programme=FundingProgramme.objects.get(name="Medicaid"),
        start=day - timedelta(days=1),
        end=day + timedelta(days=1),
    )
    return {
        "claim_sheet": sheet.pk,
        "files": {
            ("coaching.ClaimSheet", "file_text"): sheet.file_text,
            ("coaching.ClaimInterchange", "file_text"): made.interchange.file_text,
            ("coaching.Remittance", "file_text"): answer,
        },
        "batch": made.batches[0].pk,
        "remittance": remittance.pk,
    }


def pages(planted: dict) -> list[tuple[object, str, list[tuple[str, str]]]]:
    """(person, url, the fields whose text that page shows them); a url
    ("post", url) is a download (`fetch`)."""
    coach, supervisor, client = planted["coach"], planted["supervisor"], planted["client"]

    def session_page(pk):
        return reverse("sessions_log:session_detail", args=[pk])

    biller = planted["biller"]
    identity = [("accounts.PayerIdentity", name) for name in CLAIM_IDENTITY]
    episode = Episode.objects.get(client=client, discharge_date__isnull=True)
    asked = [
        ("coaching.RecordRequest", name) for name in ("asked", "denial_reason", "disagreement")
    ]
    return [
        (supervisor, reverse("coaching:record_request", args=[planted["record_request"]]), asked),
        (client, reverse("coaching:my_record"), asked),
        (biller, reverse("accounts:person", args=[client.pk]), identity),
        (
            biller,
            reverse("coaching:episode_billing", args=[episode.pk]),
            [("coaching.Episode", "diagnosis_code"), ("coaching.Episode", "prior_authorization")],
        ),
        (
            biller,
            ("post", reverse("coaching:claim_batch_download", args=[planted["batch"]])),
            [("coaching.ClaimInterchange", "file_text")],
        ),
        (
            biller,
            ("post", reverse("coaching:claim_sheet_download", args=[planted["claim_sheet"]])),
            [("coaching.ClaimSheet", "file_text")],
        ),
        (
            biller,
            ("post", reverse("coaching:remittance_download", args=[planted["remittance"]])),
            [("coaching.Remittance", "file_text")],
        ),
        (
            coach,
            session_page(planted["upcoming"]),
            [("sessions_log.Session", name) for name in ("location", "video_url", "agenda")],
        ),
        (coach, session_page(planted["cancelled"]), [("sessions_log.Session", "cancel_reason")]),
        (
            coach,
            session_page(planted["past"]),
            [("sessions_log.Note", name) for name in _NOTE_TEXT]
            + [("sessions_log.Addendum", "text"), ("sessions_log.NoteReview", "comment")]
            + [("coaching.NoteGoal", "words"), ("sessions_log.Note", "over_cap_reason")],
        ),
        (
            planted["biller"],
            reverse("accounts:person", args=[client.pk]),
            [("accounts.PayerIdentity", "date_of_birth"), ("accounts.PayerIdentity", "member_id")],
        ),
        (
            client,
            reverse("accounts:record_views"),
            [("accounts.PayerIdentity", "date_of_birth"), ("accounts.PayerIdentity", "member_id")],
        ),
        (
            coach,
            reverse("coaching:plan", args=[client.pk]),
            [
                ("coaching.Goal", "words"),
                ("coaching.Goal", "why"),
                ("coaching.Step", "action"),
                ("coaching.Step", "how_it_went"),
                ("coaching.NoteGoal", "words"),
            ],
        ),
        (
            client,
            reverse("coaching:plan", args=[client.pk]),
            [
                ("coaching.Goal", "words"),
                ("coaching.Goal", "why"),
                ("coaching.Step", "action"),
                ("coaching.Step", "how_it_went"),
            ],
        ),
        (
            supervisor,
            reverse("coaching:plan_history", args=[client.pk]),
            [
                ("coaching.AgreedGoal", "words"),
                ("coaching.AgreedGoal", "why"),
                ("coaching.AgreedStep", "action"),
                ("coaching.Goal", "words"),
            ],
        ),
        (
            client,
            reverse("coaching:plan_print", args=[client.pk]),
            [("coaching.Goal", "words"), ("coaching.Step", "how_it_went")],
        ),
        (
            coach,
            reverse("coaching:episodes", args=[client.pk]),
            [("coaching.Episode", "discharge_summary")],
        ),
        (
            client,
            reverse("coaching:episodes", args=[client.pk]),
            [("coaching.Episode", "discharge_summary")],
        ),
        (
            coach,
            reverse("coaching:client_timeline", args=[client.pk]),
            [("coaching.CheckIn", "comment"), ("coaching.TrustFlag", "resolution_note")],
        ),
        (
            supervisor,
            reverse("coaching:supervision"),
            [("coaching.SupervisorRequest", "message")],
        ),
        (
            supervisor,
            reverse("coaching:client_history", args=[client.pk]),
            [
                ("accounts.CaseloadAssignment", "end_reason"),
                ("coaching.CheckIn", "comment"),
                ("coaching.TrustFlag", "resolution_note"),
                ("coaching.SupervisorRequest", "message"),
            ],
        ),
        (
            client,
            reverse("coaching:my_consent", args=[planted["consent"]]),
            [
                ("coaching.Recipient", "person_name"),
                ("coaching.Consent", "purpose"),
                ("coaching.Consent", "ends_on_event"),
                ("coaching.Consent", "signed_name"),
            ],
        ),
        (
            coach,
            reverse("coaching:consent_disclosure", args=[planted["consent"]]),
            [("coaching.Recipient", "address")],
        ),
        (
            coach,
            ("post", reverse("coaching:outgoing_file_download", args=[planted["outgoing_file"]])),
            [("coaching.OutgoingFile", "file_text")],
        ),
        (
            client,
            reverse("coaching:consent_signed_copy", args=[planted["consent"]]),
            [("coaching.Consent", "legal_name"), ("coaching.Consent", "signed_text")],
        ),
        (
            client,
            reverse("coaching:consent_signed_copy", args=[planted["spanish_consent"]]),
            [("coaching.Consent", "signed_text_english")],
        ),
        (
            coach,
            reverse("coaching:consent_print", args=[planted["paper_consent"]]),
            [("coaching.Consent", "representative_name")],
        ),
        (
            coach,
            reverse("coaching:consent_document", args=[planted["paper_scan"]]),
            [("coaching.ConsentDocument", "content")],
        ),
        (
            coach,
            reverse("coaching:client_consents", args=[client.pk]),
            [
                ("coaching.Recipient", "person_name"),
                ("coaching.Consent", "purpose"),
                ("coaching.Consent", "ends_on_event"),
                ("coaching.Consent", "revocation_note"),
            ],
        ),
        (
            client,
            reverse("coaching:my_accounting"),
            [
                ("coaching.Disclosure", "recipient_name"),
                ("coaching.Disclosure", "recipient_address"),
                ("coaching.Disclosure", "purpose"),
            ],
        ),
        (
            coach,
            reverse("coaching:client_accounting", args=[client.pk]),
            [
                ("coaching.Disclosure", "recipient_name"),
                ("coaching.Disclosure", "recipient_address"),
                ("coaching.Disclosure", "purpose"),
            ],
        ),
        (client, reverse("sessions_log:text_settings"), [("sessions_log.TextNumber", "number")]),
        (
            client,
            reverse("coaching:client_home"),
            [
                ("sessions_log.Session", "location"),
                ("sessions_log.Session", "video_url"),
                ("sessions_log.Note", "next_steps"),
            ],
        ),
    ]


def fetch(client, url):
    """A page of `pages`: a GET, or a POST for a download ("post", url)."""
    if isinstance(url, tuple):
        return client.post(url[1])
    return client.get(url)
