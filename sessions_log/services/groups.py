"""Group sessions (H0038-HQ): one session with several clients. Each client
has their own Session row (their own reminders, calendar event, attendance,
minutes and note), all with the same coach, time and place, tied by a
SessionGroup. Scheduling and closing run in one transaction: all the rows
or none."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import User
from sessions_log.models import FundingProgramme, PlaceType, ServiceCode, Session, SessionGroup
from sessions_log.selectors.groups import group_for_change
from sessions_log.selectors.sessions import clients_to_schedule
from sessions_log.services.sessions import session_close, session_schedule

MIN_GROUP_SIZE = 2
MAX_GROUP_SIZE = 20
GROUP_MODIFIER = "HQ"


def is_group_code(service_code: ServiceCode | None) -> bool:
    return service_code is not None and GROUP_MODIFIER in service_code.modifiers.split()


def _check_group(actor: User, clients: list[User], service_code) -> None:
    errors = {}
    if len(clients) < MIN_GROUP_SIZE:
        errors["clients"] = (
            "Choose at least 2 clients for a group session; for one client, schedule a session."
        )
    elif len(clients) > MAX_GROUP_SIZE:
        errors["clients"] = f"A group session has at most {MAX_GROUP_SIZE} clients."
    elif clients_to_schedule(actor).filter(pk__in=[c.pk for c in clients]).count() != len(clients):
        errors["clients"] = "Choose only your own clients."
    if not isinstance(service_code, ServiceCode) or not is_group_code(service_code):
        errors["service_code"] = "Choose a group service code (one with the HQ modifier)."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def group_schedule(
    *,
    actor: User,
    clients: list[User],
    starts_at: datetime,
    duration: timedelta,
    modality: str,
    service_code: ServiceCode,
    location: str = "",
    video_url: str = "",
    place_type: str = PlaceType.OFFICE,
    funding_programme: FundingProgramme | None = None,
) -> SessionGroup:
    """Schedule one session for `clients` (2 to 20 of the coach's own): a row
    each, through session_schedule, so each is invited and reminded as for
    a one-to-one session. Refused as a whole (nothing saved) when any row is."""
    clients = list(dict.fromkeys(clients))
    _check_group(actor, clients, service_code)
    group = SessionGroup.objects.create(coach=actor, created_by=actor)
    for client in clients:
        session_schedule(
            actor=actor,
            client=client,
            starts_at=starts_at,
            duration=duration,
            modality=modality,
            location=location,
            video_url=video_url,
            place_type=place_type,
            service_code=service_code,
            funding_programme=funding_programme,
            session_group=group,
        )
    audit_record(actor=actor, action="group.schedule", obj=group)
    return group


# A member's refusal, by the service's argument, on the group close form's field.
def _member_field(name: str, pk: int) -> str:
    return {"minutes_spent": f"minutes_{pk}", "actual_start": "actual_start"}.get(name, "__all__")


@transaction.atomic
def group_close(
    *,
    actor: User,
    group: SessionGroup,
    actual_start: datetime | None,
    outcomes: dict[int, tuple[str, int | None]],
) -> list[Session]:
    """Close each member still scheduled: attended (status "completed", with
    the minutes they spent from the group's actual start) or "no_show", as
    `outcomes` says by session id. Each attending member's session then needs
    its own note. All or nothing: one refusal and no member is closed."""
    group = group_for_change(actor, group.pk)
    members = group.open_members
    if not members:
        raise ValidationError("Every client of this group session is already closed or cancelled.")
    errors: dict[str, list] = {}
    closed = []
    for member in members:
        if member.pk not in outcomes or outcomes[member.pk][0] is None:
            errors.setdefault(f"status_{member.pk}", []).append(
                f"Say whether {member.client.display_name} attended."
            )
            continue
        status, minutes = outcomes[member.pk]
        try:
            closed.append(
                session_close(
                    actor=actor,
                    session=member,
                    status=status,
                    actual_start=actual_start,
                    minutes_spent=minutes,
                )
            )
        except ValidationError as error:
            by_name = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
            for name, messages in by_name.items():
                field = errors.setdefault(_member_field(name, member.pk), [])
                field.extend(m for m in messages if m not in field)
    if errors:
        # The transaction rolls back: no member is closed.
        raise ValidationError(errors)
    audit_record(actor=actor, action="group.close", obj=group)
    return closed
