"""Demo consents and a disclosure."""

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from coaching.models import Consent, ExportKind, Information, Recipient
from coaching.services.consents import consent_prepare, consent_revoke, consent_sign
from coaching.services.disclosures import export_split


def seed():
    """Consents, once: Robin signed one for Acme Health Plan (the attendance
    and service record and the billing identifiers, until the end of their
    Medicaid enrolment), and a disclosure went out under it; Taylor has one
    to a person they named, waiting for their signature; Morgan signed one
    and revoked it."""
    robin = User.objects.get(email="robin@demo.test")
    if Consent.objects.filter(client=robin).exists():
        return
    casey = User.objects.get(email="casey@demo.test")
    taylor = User.objects.get(email="taylor@demo.test")
    morgan = User.objects.get(email="morgan@demo.test")
    # A health plan: a HIPAA covered entity (its consents carry 2.31(a)(4)(iii)).
    acme = Recipient.objects.get_or_create(
        name="Acme Health Plan",
        kind=Recipient.Kind.ORGANISATION,
        defaults={"covered_entity": True},
    )[0]
    claim = [Information.SERVICE_RECORD, Information.BILLING_IDS]
    robins = consent_prepare(
        actor=casey,
        client=robin,
        legal_name="Robin Park",
        information_from=date(2020, 1, 1),
        recipient=acme,
        purpose_kind="payment",
        purpose="Billing Medicaid for my peer support sessions",
        information=claim,
        ends_on_event="The end of my Medicaid enrolment",
    )
    consent_sign(actor=robin, consent=robins, typed_name=robin.display_name, confirmed=True)
    export_split(
        actor=casey,
        client_ids=[robin.pk],
        recipient=acme,
        information=[Information.SERVICE_RECORD],
        export=ExportKind.NAMED_RECIPIENT,
        service_dates={robin.pk: (timezone.localdate() - timedelta(days=30), timezone.localdate())},
        description="Disclosure to a named recipient (CSV)",
    )
    consent_prepare(
        actor=casey,
        client=taylor,
        legal_name="Taylor Moss",
        information_from=date(2020, 1, 1),
        person_name="Jamie Moss",
        purpose="So my sister can help me keep to my plan",
        information=[Information.RECOVERY_PLAN],
        ends_on=timezone.localdate() + timedelta(days=180),
    )
    morgans = consent_prepare(
        actor=casey,
        client=morgan,
        legal_name="Morgan Diaz",
        information_from=date(2020, 1, 1),
        recipient=acme,
        purpose_kind="payment",
        purpose="Billing Medicaid",
        information=claim,
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    consent_sign(actor=morgan, consent=morgans, typed_name=morgan.display_name, confirmed=True)
    consent_revoke(actor=morgan, consent=morgans)
