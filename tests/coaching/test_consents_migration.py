"""coaching 0017 (the 2024 Part 2 consent) on consents signed before it:
each says it was signed in the app and that its wording was not kept (a
text with its version and hash, never an invented copy of what was shown),
and a consent naming a programme's payer counts as one for payment
(42 CFR 2.31(a)(10)). The lock on signed consents stays in force."""

import hashlib

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from coaching.models import Consent

BEFORE = [("coaching", "0016_consent_revocation")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _plant(old_apps) -> dict:
    user = old_apps.get_model("accounts", "User")
    coach = user.objects.create(email="c@example.org", display_name="C", role="coach")
    client = user.objects.create(email="k@example.org", display_name="K Park", role="client")
    recipient = old_apps.get_model("coaching", "Recipient")
    payer = recipient.objects.create(kind="organisation", name="Acme Health Plan")
    court = recipient.objects.create(kind="organisation", name="County Court")
    programme = old_apps.get_model("sessions_log", "FundingProgramme").objects.create(
        name="Medicaid peer support"
    )
    old_apps.get_model("coaching", "ProgrammePayer").objects.create(
        programme=programme, recipient=payer
    )
    consent = old_apps.get_model("coaching", "Consent")
    now = timezone.now()
    common = {
        "client": client,
        "prepared_by": coach,
        "purpose": "Billing",
        "information": ["service_record"],
        "ends_on_event": "The end of my enrolment",
    }
    signed = consent.objects.create(**common, recipient=payer, signed_name="K Park", signed_at=now)
    draft = consent.objects.create(**common, recipient=court)
    return {"signed": signed.pk, "draft": draft.pk}


@pytest.mark.django_db(transaction=True)
def test_consents_signed_before_0017_say_their_wording_was_not_kept():
    executor = _migrate(BEFORE)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        rows = _plant(executor.loader.project_state(BEFORE).apps)
        _migrate(leaves)

        signed = Consent.objects.get(pk=rows["signed"])
        assert signed.signed_how == "in_app"
        assert signed.purpose_kind == "payment"
        assert signed.signed_text.startswith("This consent was signed in the app before")
        assert signed.signed_text_version == "before-0017"
        assert signed.signed_text_sha256 == hashlib.sha256(signed.signed_text.encode()).hexdigest()
        draft = Consent.objects.get(pk=rows["draft"])
        assert (draft.signed_how, draft.signed_text, draft.purpose_kind) == ("", "", "other")
        # coaching 0023: a consent signed before it was signed in English;
        # a draft has no language yet.
        assert (signed.signed_language, signed.signed_text_english) == ("en", "")
        assert draft.signed_language == ""
        # The lock is back on: the signed consent refuses a change.
        with pytest.raises(DatabaseError), transaction.atomic():
            Consent.objects.filter(pk=signed.pk).update(purpose_kind="other")
    finally:
        _migrate(leaves)


@pytest.mark.django_db(transaction=True)
def test_consents_revoked_before_0016_say_how():
    """coaching 0016 on a consent revoked before it: by the client, "in_app";
    by staff, "ended"."""
    before = [("coaching", "0015_record_requests")]
    executor = _migrate(before)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        old_apps = executor.loader.project_state(before).apps
        rows = _plant(old_apps)
        consent = old_apps.get_model("coaching", "Consent")
        signed = consent.objects.get(pk=rows["signed"])
        consent.objects.filter(pk=signed.pk).update(
            revoked_at=timezone.now(), revoked_by_id=signed.client_id
        )
        _migrate(leaves)
        assert Consent.objects.get(pk=rows["signed"]).revoked_how == "in_app"
    finally:
        _migrate(leaves)
