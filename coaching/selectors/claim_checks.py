"""What a claim needs that a record lacks, in words billing staff act on:
the organisation's identity (837P 1000A/2010AA), a client's payer identity
(2010BA), a coach's rendering identity (2310B), the episode's diagnosis and
prior authorisation (2300 HI, REF*G1). Each function returns a list of
sentences, empty when nothing is missing. Shapes come from coaching.x12
identifiers (the NPI's check digit included)."""

import re
from datetime import date

from coaching.models import BillingOrganisation, Episode
from coaching.x12 import identifiers as ids
from sessions_log.models import FundingProgramme

_STATE = re.compile(r"^[A-Z]{2}$")
_ZIP = re.compile(r"^(?:[0-9]{5}|[0-9]{9})$")
_DIGITS10 = re.compile(r"^[0-9]{10}$")
# ISA06/ISA08 hold 15 characters.
ENVELOPE_ID_LIMIT = 15


def organisation_problems() -> list[str]:
    """What the organisation's billing identity lacks ([] when complete).
    One query."""
    org = BillingOrganisation.objects.current()
    if org is None:
        return [
            "The organisation's billing identity is not set: enter its name, address, "
            "billing NPI, tax id and taxonomy first."
        ]
    problems = [
        f"The organisation has no {label}."
        for name, label in [
            ("name", "name"),
            ("address_line1", "address"),
            ("city", "city"),
            ("contact_name", "billing contact name"),
            ("submitter_id", "submitter id"),
        ]
        if not getattr(org, name).strip()
    ]
    if not _STATE.match(org.state):
        problems.append(f"The organisation's state is a 2-letter code such as IL: {org.state!r}.")
    if not re.fullmatch(r"[0-9]{9}", org.postal_code):
        problems.append(
            "The organisation's ZIP code must be 9 digits (ZIP+4): the 837P billing "
            "provider needs it (2010AA N403)."
        )
    for error in (ids.npi_error(org.npi), ids.tax_id_error(org.tax_id)):
        if error:
            problems.append(f"Billing identity: {error}")
    if ids.taxonomy_error(org.taxonomy):
        problems.append(f"Billing identity: {ids.taxonomy_error(org.taxonomy)}")
    if not _DIGITS10.match(org.contact_phone):
        problems.append("The billing contact's phone is 10 digits.")
    if len(org.submitter_id.strip()) > ENVELOPE_ID_LIMIT:
        problems.append(f"The submitter id is at most {ENVELOPE_ID_LIMIT} characters.")
    return problems


def identity_problems(identity) -> list[str]:
    """What a client's payer identity (or None) lacks for a claim."""
    if identity is None:
        return ["No member id, date of birth, legal name, sex or address: no payer identity."]
    problems = []
    if not identity.member_id.strip():
        problems.append("No member id.")
    try:
        date.fromisoformat(identity.date_of_birth)
    except (TypeError, ValueError):
        problems.append("No date of birth.")
    missing = [
        label
        for label, present in [
            ("legal name", identity.legal_last_name.strip() and identity.legal_first_name.strip()),
            ("sex", identity.sex in ("F", "M", "U")),
            (
                "address",
                identity.address_line1.strip()
                and identity.city.strip()
                and _STATE.match(identity.state)
                and _ZIP.match(identity.postal_code),
            ),
        ]
        if not present
    ]
    if missing:
        problems.append(f"No {' / '.join(missing)} on the payer identity.")
    return problems


def coach_problems(coach) -> list[str]:
    """What a coach's rendering identity lacks (the coach with
    provider_identity selected)."""
    provider = getattr(coach, "provider_identity", None)
    if provider is None or not provider.npi:
        return [f"Coach {coach.display_name} has no rendering NPI."]
    problems = []
    if ids.npi_error(provider.npi):
        problems.append(f"Coach {coach.display_name}: {ids.npi_error(provider.npi)}")
    if ids.taxonomy_error(provider.taxonomy):
        problems.append(f"Coach {coach.display_name}: {ids.taxonomy_error(provider.taxonomy)}")
    if not (provider.last_name.strip() and provider.first_name.strip()):
        problems.append(f"Coach {coach.display_name} has no legal name for claims.")
    return problems


def episode_on(episodes: list[Episode], day: date) -> Episode | None:
    """The client's episode open on `day`, if any (episodes never overlap)."""
    for episode in episodes:
        if episode.intake_date <= day and (
            episode.discharge_date is None or episode.discharge_date >= day
        ):
            return episode
    return None


def episode_problems(episode: Episode | None, programme: FundingProgramme, day: date) -> list[str]:
    if episode is None:
        return [f"No episode open on {day.isoformat()}."]
    problems = []
    if not episode.diagnosis_code.strip():
        problems.append("The episode has no diagnosis.")
    elif ids.icd10_error(episode.diagnosis_code):
        problems.append(f"The episode's diagnosis: {ids.icd10_error(episode.diagnosis_code)}")
    if programme.requires_prior_auth and not episode.prior_authorization.strip():
        problems.append(f"{programme.name} needs a prior authorisation: the episode has none.")
    return problems
