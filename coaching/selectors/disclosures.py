"""What a disclosure to a named recipient sends (`disclosure_rows`): the
covered information of one client, as far as the person disclosing may see
it, as rows for the CSV (coaching/views/consents.py consent_disclose)."""

import zoneinfo
from collections.abc import Iterable

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from coaching.models import Information, Step
from coaching.selectors.episodes import episodes_visible_to
from coaching.selectors.plans import goals_visible_to
from coaching.selectors.trust import checkins_visible_to
from sessions_log.models import Session
from sessions_log.selectors import notes_visible_to, sessions_visible_to

# The kinds a named-recipient disclosure sends (`disclosure_rows`). Billing
# identifiers go only to a payer, on a claim: a disclosure never lists as
# sent what its file does not hold (42 CFR 2.13(a), minimum necessary).
NAMED_RECIPIENT_KINDS = (
    Information.SERVICE_RECORD,
    Information.EPISODES,
    Information.RECOVERY_PLAN,
    Information.SESSION_NOTES,
    Information.CHECKINS,
)


def named_recipient_kinds(information: Iterable[str]) -> list[str]:
    """Of the kinds a consent covers, those a named-recipient disclosure sends."""
    return [kind for kind in information if kind in NAMED_RECIPIENT_KINDS]


def _time(moment, zone) -> str:
    return timezone.localtime(moment, zone).strftime("%H:%M")


def disclosure_rows(viewer: User, client: User, information: Iterable[str]) -> list[list[str]]:
    """The covered information of one client, as rows (section, date, item,
    detail) for a named-recipient disclosure: only the kinds in
    `information`, only what `viewer` may see. Dates and times in the
    client's time zone. A query or two per kind, whatever the amount.
    Check-ins go as scores, never their comments; episodes as dates and
    reasons, never the discharge summary."""
    zone = zoneinfo.ZoneInfo(client.time_zone or "UTC")
    kinds = set(information)
    rows: list[list[str]] = []
    if Information.SERVICE_RECORD in kinds:
        section = "Attendance and service record"
        for session in (
            sessions_visible_to(viewer)
            .filter(client=client)
            .exclude(status=Session.Status.SCHEDULED)
            .order_by("starts_at")
        ):
            minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
            rows.append(
                [
                    section,
                    timezone.localtime(session.starts_at, zone).date().isoformat(),
                    f"{_time(session.starts_at, zone)}-{_time(session.ends_at, zone)}",
                    f"{session.get_status_display()}, {session.get_modality_display()}, "
                    f"{minutes} minutes",
                ]
            )
    if Information.EPISODES in kinds:
        section = "Episodes of care"
        for episode in episodes_visible_to(viewer).filter(client=client).order_by("intake_date"):
            rows.append(
                [section, episode.intake_date.isoformat(), "Intake", episode.referral_source.name]
            )
            if episode.discharge_date:
                rows.append(
                    [
                        section,
                        episode.discharge_date.isoformat(),
                        "Discharge",
                        episode.get_discharge_reason_display(),
                    ]
                )
    if Information.RECOVERY_PLAN in kinds:
        section = "Recovery plan"
        goals = (
            goals_visible_to(viewer)
            .filter(plan__client=client)
            .select_related("area")
            .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("pk")))
            .order_by("pk")
        )
        for goal in goals:
            rows.append([section, "", f"Goal: {goal.area.name}", goal.words])
            if goal.why:
                rows.append([section, "", "Why it matters", goal.why])
            for step in goal.steps.all():
                rows.append([section, "", f"Step ({step.get_state_display()})", step.action])
    if Information.SESSION_NOTES in kinds:
        section = "Signed session notes"
        notes = (
            notes_visible_to(viewer)
            .filter(session__client=client, signed_at__isnull=False)
            .select_related("session")
            .order_by("session__starts_at")
        )
        for note in notes:
            day = timezone.localtime(note.session.starts_at, zone).date().isoformat()
            for label, text in (
                ("Goals worked on", note.goals),
                ("What happened", note.narrative),
                ("The client's words", note.client_words),
                ("Next steps", note.next_steps),
            ):
                if text:
                    rows.append([section, day, label, text])
    if Information.CHECKINS in kinds:
        section = "Trust check-ins"
        for checkin in checkins_visible_to(viewer).filter(client=client).order_by("created_at"):
            rows.append(
                [
                    section,
                    timezone.localtime(checkin.created_at, zone).date().isoformat(),
                    "Score (0-100)",
                    str(checkin.score),
                ]
            )
    return rows
