"""Writes to episodes of care (coaching/models/episodes.py): an intake (or a
readmission) opens an episode, a discharge closes it. Each runs in a
transaction that locks the client's row first (one change to a client's
episodes at a time), checks everything before it writes, and is audited.

Who may write comes from accounts/policy/episodes.py, through
coaching.selectors.episodes.episode_client_for_change (the acting scope, the
client's row locked): a coach opens episodes for the clients they work with
now (episode_opener_scope); the coach or their team's supervisors discharge
(episode_discharger_scope).
"""

import re
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import dateformat, timezone

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy import episode_discharger_scope, episode_opener_scope
from coaching.models import Episode, ReferralSource
from coaching.selectors.episodes import episode_billing_for_change, episode_client_for_change
from coaching.x12.identifiers import icd10_error
from common.dates import local_today
from sessions_log.models import Session

ALREADY_OPEN = "This client already has an open episode. Discharge it before starting a new one."
NOTHING_OPEN = "This client has no open episode to discharge."


def _zone(client: User) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(client.time_zone or "UTC")


def _day(value: date) -> str:
    return dateformat.format(value, "j F Y")


@transaction.atomic
def episode_open(
    *, actor: User, client: User, intake_date: date, referral_source: ReferralSource
) -> Episode:
    """Admit a client, or readmit one: a new episode from `intake_date`.
    Earlier episodes stay as they were (the history). Refused while an
    episode is open, for a day in the future, and for a day on or before the
    last discharge (episodes never overlap: a day is in one episode only)."""
    client = episode_client_for_change(actor, client.pk, scope=episode_opener_scope)
    if not isinstance(intake_date, date) or isinstance(intake_date, datetime):
        raise ValidationError({"intake_date": "Enter the date of the intake."})
    if intake_date > local_today(client):
        raise ValidationError({"intake_date": "The intake date cannot be in the future."})
    if not ReferralSource.objects.filter(pk=getattr(referral_source, "pk", None), active=True):
        raise ValidationError({"referral_source": "Choose where they came from from the list."})
    episodes = Episode.objects.filter(client=client)
    if episodes.filter(discharge_date__isnull=True).exists():
        raise ValidationError(ALREADY_OPEN)
    last = episodes.order_by("-discharge_date").values_list("discharge_date", flat=True).first()
    if last is not None and intake_date <= last:
        raise ValidationError(
            {
                "intake_date": "A new episode starts after the last one ended "
                f"(discharged {_day(last)})."
            }
        )
    try:
        with transaction.atomic():
            episode = Episode.objects.create(
                client=client,
                intake_date=intake_date,
                referral_source=referral_source,
                opened_by=actor,
            )
    except IntegrityError:  # another intake got there first
        raise ValidationError(ALREADY_OPEN) from None
    action = "episode.readmit" if last is not None else "episode.open"
    audit_record(actor=actor, action=action, obj=episode, client=client)
    return episode


@transaction.atomic
def episode_discharge(
    *, actor: User, client: User, discharge_date: date, reason: str, summary: str = ""
) -> Episode:
    """Discharge the client's open episode on `discharge_date`, with a reason
    from the list and a short summary. Refused for a day before the intake
    or in the future, and while sessions are still scheduled after that day
    (cancel or move them first: nothing is cancelled behind anyone's back)."""
    client = episode_client_for_change(actor, client.pk, scope=episode_discharger_scope)
    episode = Episode.objects.filter(client=client, discharge_date__isnull=True).first()
    if episode is None:
        raise ValidationError(NOTHING_OPEN)
    errors = {}
    if reason not in Episode.DischargeReason.values:
        errors["reason"] = "Choose a reason from the list."
    summary = (summary or "").strip()
    limit = Episode._meta.get_field("discharge_summary").max_length
    if len(summary) > limit:
        errors["summary"] = f"Keep the summary to {limit} characters."
    if not isinstance(discharge_date, date) or isinstance(discharge_date, datetime):
        errors["discharge_date"] = "Enter the date of the discharge."
    elif discharge_date < episode.intake_date:
        errors["discharge_date"] = (
            f"The discharge cannot be before the intake ({_day(episode.intake_date)})."
        )
    elif discharge_date > local_today(client):
        errors["discharge_date"] = "The discharge date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    day_after = datetime.combine(discharge_date + timedelta(days=1), time.min, _zone(client))
    scheduled = Session.objects.filter(
        client=client, status=Session.Status.SCHEDULED, starts_at__gte=day_after
    ).order_by("starts_at")
    first = scheduled.values_list("starts_at", flat=True).first()
    if first is not None:
        count = scheduled.count()
        raise ValidationError(
            {
                "discharge_date": f"{count} session{'s are' if count > 1 else ' is'} still "
                f"scheduled after this day (the first on "
                f"{_day(timezone.localtime(first, _zone(client)).date())}). "
                "Cancel or move them before the discharge."
            }
        )
    episode.discharge_date = discharge_date
    episode.discharge_reason = reason
    episode.discharge_summary = summary
    episode.discharged_by = actor
    episode.discharged_at = timezone.now()
    episode.save()
    audit_record(actor=actor, action="episode.discharge", obj=episode, client=client)
    return episode


_PRIOR_AUTH = re.compile(r"[A-Za-z0-9-]{1,50}")


@transaction.atomic
def episode_billing_set(
    *, actor: User, episode: Episode, diagnosis_code: str, prior_authorization: str
) -> Episode:
    """The staff who bill record what a claim for the episode states: its
    ICD-10-CM diagnosis (shape checked: coaching.x12.identifiers.icd10_error;
    stored upper case, e.g. F11.20) and the payer's prior authorisation
    number (blank when the programme needs none). Audited
    ("episode.billing_set")."""
    episode = episode_billing_for_change(actor, episode.pk)
    code = diagnosis_code.strip().upper()
    number = prior_authorization.strip()
    errors = {}
    if code and icd10_error(code):
        errors["diagnosis_code"] = icd10_error(code)
    if number and not _PRIOR_AUTH.fullmatch(number):
        errors["prior_authorization"] = (
            "A prior authorisation number is letters, digits and hyphens, at most 50."
        )
    if errors:
        raise ValidationError(errors)
    episode.diagnosis_code, episode.prior_authorization = code, number
    episode.save(update_fields=["diagnosis_code", "prior_authorization"])
    audit_record(actor=actor, action="episode.billing_set", obj=episode, client=episode.client)
    return episode
