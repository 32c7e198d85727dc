"""What a disclosure to a named recipient sends (`disclosure_rows`): the
covered information of one client, as far as the person disclosing may see
it, as rows for the CSV (coaching/views/consents.py consent_disclose)."""

import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy import consent_staff_scope
from coaching.models import Information, OutgoingFile, Step
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


def zone_of(person: User) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(person.time_zone or "UTC")


def sent_moment(day: date, person: User) -> datetime:
    """A day staff give for when something was sent (no time known): noon
    of that day in the client's zone, so it stays that day wherever read."""
    return datetime.combine(day, time(12), tzinfo=zone_of(person))


def outgoing_files_managed_by(user: User):
    """The named-recipient files of the clients `user` discloses for."""
    return OutgoingFile.objects.filter(consent_staff_scope(user, "consent__client"))


def outgoing_file_for_change(user: User, pk) -> OutgoingFile:
    """A named-recipient file `user` marks sent (the staff who disclose
    under its consent: consent_staff_scope), its row locked; 404 otherwise."""
    outgoing = (
        outgoing_files_managed_by(user)
        .select_for_update(of=("self",))
        .select_related("recipient")
        .filter(pk=pk)
        .first()
    )
    if outgoing is None:
        raise Http404("No such file.")
    return outgoing


def outgoing_file_for_viewing(user: User, pk) -> OutgoingFile:
    """A named-recipient file `user` downloads again (consent_staff_scope;
    404 otherwise), the read audited as "outgoing_file.download"."""
    outgoing = outgoing_files_managed_by(user).filter(pk=pk).first()
    if outgoing is None:
        raise Http404("No such file.")
    audit_record(
        actor=user,
        action="outgoing_file.download",
        obj=outgoing,
        client=User(pk=outgoing.client_id),
    )
    return outgoing


def outgoing_files_of(user: User, consent_pk) -> list[OutgoingFile]:
    """The files downloaded under a consent, newest first (their text not
    read), each with its disclosure once sent. One query."""
    return list(
        outgoing_files_managed_by(user)
        .filter(consent_id=consent_pk)
        .select_related("created_by", "marked_sent_by", "disclosure")
        .defer("file_text")
    )


def _time(moment, zone) -> str:
    return timezone.localtime(moment, zone).strftime("%H:%M")


def _moments(start: date, end: date, zone) -> tuple[datetime, datetime]:
    """The client's days start..end as [from, until) moments."""
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def disclosure_rows(
    viewer: User, client: User, information: Iterable[str], *, start: date, end: date
) -> list[list[str]]:
    """The covered information of one client dated start..end (the client's
    days), as rows (section, date, item, detail) for a named-recipient
    disclosure: only the kinds in `information`, only what `viewer` may see
    (42 CFR 2.13(a): no more than the consent and the range chosen). Dates
    and times in the client's time zone. A query or two per kind, whatever
    the amount. Check-ins go as scores, never their comments; episodes as
    dates and reasons, never the discharge summary; a plan's goals and steps
    written in the range."""
    zone = zoneinfo.ZoneInfo(client.time_zone or "UTC")
    since, until = _moments(start, end, zone)
    kinds = set(information)
    rows: list[list[str]] = []
    if Information.SERVICE_RECORD in kinds:
        section = "Attendance and service record"
        for session in (
            sessions_visible_to(viewer)
            .filter(client=client, starts_at__gte=since, starts_at__lt=until)
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
        episodes = episodes_visible_to(viewer).filter(client=client).order_by("intake_date")
        for episode in episodes.select_related("referral_source"):
            if start <= episode.intake_date <= end:
                rows.append(
                    [
                        section,
                        episode.intake_date.isoformat(),
                        "Intake",
                        episode.referral_source.name,
                    ]
                )
            if episode.discharge_date and start <= episode.discharge_date <= end:
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
            .filter(plan__client=client, created_at__gte=since, created_at__lt=until)
            .select_related("area")
            .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("pk")))
            .order_by("pk")
        )
        for goal in goals:
            day = timezone.localtime(goal.created_at, zone).date().isoformat()
            rows.append([section, day, f"Goal: {goal.area.name}", goal.words])
            if goal.why:
                rows.append([section, day, "Why it matters", goal.why])
            for step in goal.steps.all():
                rows.append([section, day, f"Step ({step.get_state_display()})", step.action])
    if Information.SESSION_NOTES in kinds:
        section = "Signed session notes"
        notes = (
            notes_visible_to(viewer)
            .filter(
                session__client=client,
                signed_at__isnull=False,
                session__starts_at__gte=since,
                session__starts_at__lt=until,
            )
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
        checkins = checkins_visible_to(viewer).filter(
            client=client, created_at__gte=since, created_at__lt=until
        )
        for checkin in checkins.order_by("created_at"):
            rows.append(
                [
                    section,
                    timezone.localtime(checkin.created_at, zone).date().isoformat(),
                    "Score (0-100)",
                    str(checkin.score),
                ]
            )
    return rows
