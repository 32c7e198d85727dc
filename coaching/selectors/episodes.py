"""Reads of episodes of care, scoped through the access policy
(accounts/policy.py: episode_scope and its kin), the episode a session,
check-in or plan version belongs to (by date, in the client's time zone),
and the figures the dashboard and the report count: active episodes,
admissions and discharges per month.

Each figure is one query, or annotations of a queryset the page already runs.

A client's episodes are read through `episode_for_viewing` (404 for a client
someone may not see, as for one that does not exist; the one place the read
is audited) and changed through `episode_client_for_change` (the acting
scope, the client's row locked: one change to a client's episodes at a time).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, Role, User
from accounts.policy import (
    episode_discharger_scope,
    episode_opener_scope,
    episode_scope,
    relationship_scope,
    reviewable_relationship_scope,
)
from accounts.policy.billing import episode_biller_scope
from coaching.models import Episode, ReferralSource
from coaching.selectors.acting import holds
from coaching.selectors.plans import plan_versions_visible_to
from coaching.selectors.trust import checkins_visible_to
from sessions_log.models import Session
from sessions_log.selectors import sessions_visible_to

# ------------------------------------------------------------- the records


def episodes_visible_to(user: User) -> QuerySet[Episode]:
    return Episode.objects.filter(episode_scope(user)).select_related("referral_source")


def episodes_dischargeable_by(user: User) -> QuerySet[Episode]:
    return Episode.objects.filter(episode_discharger_scope(user))


def episode_clients_visible_to(user: User) -> QuerySet[User]:
    """The people whose episodes `user` may open the page of (a client:
    themselves), each with what `user` may do (may_open, may_discharge:
    read by permissions_for), in the same query."""
    return User.objects.filter(episode_scope(user, "pk"), role=Role.CLIENT).annotate(
        may_open=holds(episode_opener_scope(user, "pk")),
        may_discharge=holds(episode_discharger_scope(user, "pk")),
    )


def episode_clients_openable_by(user: User) -> QuerySet[User]:
    """The clients `user` may admit (or readmit): a coach's clients now."""
    return User.objects.filter(episode_opener_scope(user, "pk"), role=Role.CLIENT)


def episode_clients_dischargeable_by(user: User) -> QuerySet[User]:
    """The clients whose open episode `user` may discharge."""
    return User.objects.filter(episode_discharger_scope(user, "pk"), role=Role.CLIENT)


def referral_sources() -> QuerySet[ReferralSource]:
    return ReferralSource.objects.filter(active=True)


# ------------------------------------------------------ reading, changing


def episode_for_viewing(user: User, pk: int) -> dict:
    """The episodes page of the client `pk` as `user` may see it
    (episode_page), with "client": 404 for a client they may not see, as for
    one who does not exist. The one place the read is audited
    ("episode.view")."""
    client = get_object_or_404(episode_clients_visible_to(user), pk=pk)
    audit_record(actor=user, action="episode.view", obj=client, client=client)
    return {**episode_page(user, client), "client": client}


def episode_client_for_change(user: User, pk: int, *, scope=episode_opener_scope) -> User:
    """The client `pk`, their row locked (one change to a client's episodes
    at a time), if `user` is within the acting `scope` (episode_opener_scope:
    admit or readmit; episode_discharger_scope: discharge). PermissionDenied
    otherwise. Call it inside the transaction that writes."""
    clients = User.objects.select_for_update(of=("self",))
    client = clients.filter(scope(user, "pk"), role=Role.CLIENT, pk=pk).first()
    if client is None:
        raise PermissionDenied
    return client


@dataclass(frozen=True)
class EpisodePermissions:
    """The episodes page's forms: from the same acting scopes as the services."""

    can_open: bool = False
    can_discharge: bool = False


def permissions_for(user: User, client: User, page: dict | None = None) -> EpisodePermissions:
    """What `user` may do on `client`'s episodes page (`page`: episode_page's
    data, for whether an episode is open). No query for a client from
    episode_clients_visible_to (its flags came with it)."""
    if not hasattr(client, "may_open"):
        client = episode_clients_visible_to(user).filter(pk=client.pk).first()
        if client is None:
            return EpisodePermissions()
    open_episode = (page or {}).get("open_episode")
    return EpisodePermissions(
        can_open=client.may_open and open_episode is None,
        can_discharge=client.may_discharge and open_episode is not None,
    )


# ------------------------------------------- which episode a record is in


def local_date(moment, zone) -> Cast:
    """The calendar day of the instant `moment` in the time zone `zone`
    (expressions or field names): PostgreSQL's timezone(zone, moment)::date."""
    return Cast(
        Func(zone, moment, function="timezone", output_field=DateTimeField()),
        output_field=DateField(),
    )


def _holds(day) -> Q:
    """Episodes (of one client) whose intake..discharge holds `day`."""
    return Q(intake_date__lte=day) & (Q(discharge_date__isnull=True) | Q(discharge_date__gte=day))


def with_episode(
    queryset: QuerySet, *, client_ref: str = "client_id", moment: str = "starts_at"
) -> QuerySet:
    """Annotates each row of `queryset` (sessions: `starts_at`; check-ins:
    `created_at`; plan versions: moment "agreed_at", client_ref
    "plan__client_id") with `episode_id`: the client's episode whose intake
    and discharge hold that day in the client's time zone (None: between
    episodes, or before the first). A subquery: no query of its own."""
    client_field = client_ref.removesuffix("_id")
    day = local_date(OuterRef(moment), OuterRef(f"{client_field}__time_zone"))
    episode = Episode.objects.filter(_holds(day), client_id=OuterRef(client_ref)).order_by(
        "-intake_date", "-pk"
    )
    return queryset.annotate(episode_id=Subquery(episode.values("pk")[:1]))


def _count_in_episode(records: QuerySet, client_field: str, moment: str) -> Coalesce:
    """How many of `records` (already scoped to the viewer) fall within the
    outer episode's days."""
    day = local_date(moment, f"{client_field}__time_zone")
    within = records.annotate(day=day).filter(
        **{client_field: OuterRef("client_id")},
        day__gte=OuterRef("intake_date"),
    )
    # An open episode holds every day from its intake on.
    within = within.filter(day__lte=Coalesce(OuterRef("discharge_date"), Value(date.max)))
    return Coalesce(
        Subquery(
            within.order_by()
            .annotate(group=Value(1))
            .values("group")
            .annotate(count=Count("pk"))
            .values("count"),
            output_field=IntegerField(),
        ),
        0,
    )


def episode_page(viewer: User, client: User) -> dict:
    """A client's episodes, newest first, each with what happened in it
    (sessions held, check-ins, plan versions agreed) as far as `viewer` may
    see it; the open episode. One query (episode_for_viewing audits it)."""
    sessions = sessions_visible_to(viewer).filter(status=Session.Status.COMPLETED)
    episodes = list(
        episodes_visible_to(viewer)
        .filter(client=client)
        .select_related("opened_by", "discharged_by")
        .annotate(
            sessions_held=_count_in_episode(sessions, "client", "starts_at"),
            checkins=_count_in_episode(checkins_visible_to(viewer), "client", "created_at"),
            plans_agreed=_count_in_episode(
                plan_versions_visible_to(viewer).filter(agreed_at__isnull=False),
                "plan__client",
                "agreed_at",
            ),
        )
    )
    open_episode = next((episode for episode in episodes if episode.is_open), None)
    return {"episodes": episodes, "open_episode": open_episode}


# ------------------------------------------------------------------- figures


def _figures_scope(viewer: User) -> Q:
    """Relationships whose clients' episode figures `viewer` may see: a
    coach, their own; a supervisor, their team's; an admin, every active
    one (counts only)."""
    if viewer.role == Role.ADMIN:
        return reviewable_relationship_scope(viewer)
    return relationship_scope(viewer)


def with_open_episode(queryset: QuerySet, client_ref: str = "client_id") -> QuerySet:
    """Annotates each row (relationships, clients with client_ref "pk") with
    `episode_open_since`: the intake date of the client's open episode (None:
    no open episode). A subquery: no query of its own."""
    open_episode = Episode.objects.filter(
        client_id=OuterRef(client_ref), discharge_date__isnull=True
    )
    return queryset.annotate(episode_open_since=Subquery(open_episode.values("intake_date")[:1]))


def episode_counts_by_coach(
    viewer: User, coach_ids: list[int], *, days: int = 30, today: date | None = None
) -> dict[int, dict]:
    """Per coach, over their current clients `viewer` may see: clients with
    an open episode ("active"), admissions and discharges in the last
    `days` days ("admitted", "discharged"). One grouped query."""
    since = (today or timezone.localdate()) - timedelta(days=days)
    episodes = Episode.objects.filter(client_id=OuterRef("client_id"))
    rows = (
        CaseloadAssignment.objects.filter(_figures_scope(viewer), coach_id__in=coach_ids)
        .annotate(
            is_active=Exists(episodes.filter(discharge_date__isnull=True)),
            admitted=Exists(episodes.filter(intake_date__gte=since)),
            discharged=Exists(episodes.filter(discharge_date__gte=since)),
        )
        .order_by()
        .values("coach_id")
        .annotate(
            active=Count("pk", filter=Q(is_active=True)),
            admissions=Count("pk", filter=Q(admitted=True)),
            discharges=Count("pk", filter=Q(discharged=True)),
        )
    )
    found = {pk: {"active": 0, "admitted": 0, "discharged": 0} for pk in coach_ids}
    for row in rows:
        found[row["coach_id"]] = {
            "active": row["active"],
            "admitted": row["admissions"],
            "discharged": row["discharges"],
        }
    return found


def _month_start(day: date, back: int) -> date:
    months = day.year * 12 + day.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


def episode_month_figures(viewer: User, *, months: int = 12, today: date | None = None) -> list:
    """Per calendar month, oldest first, the last `months` months to this
    one: episodes active at any time in the month ("active"), admissions
    ("admitted") and discharges ("discharged", and "by_reason"), of the
    clients whose figures `viewer` may see (those of the relationships of
    _figures_scope: a coach's clients now, a supervisor's team's, an admin's
    every client with a coach). One query."""
    today = today or timezone.localdate()
    clients = CaseloadAssignment.objects.filter(_figures_scope(viewer)).values("client_id")
    starts = [_month_start(today, back) for back in range(months - 1, -1, -1)]
    ends = [*starts[1:], _month_start(today, -1)]
    aggregates = {}
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        aggregates[f"active_{index}"] = Count(
            "pk",
            filter=Q(intake_date__lt=end)
            & (Q(discharge_date__isnull=True) | Q(discharge_date__gte=start)),
        )
        aggregates[f"admitted_{index}"] = Count(
            "pk", filter=Q(intake_date__gte=start, intake_date__lt=end)
        )
        for reason in Episode.DischargeReason:
            discharged = Q(discharge_date__gte=start, discharge_date__lt=end)
            aggregates[f"discharged_{index}_{reason.value}"] = Count(
                "pk", filter=discharged & Q(discharge_reason=reason)
            )
    counts = Episode.objects.filter(client_id__in=clients).aggregate(**aggregates)
    figures = []
    for index, start in enumerate(starts):
        by_reason = {
            reason.label: counts[f"discharged_{index}_{reason.value}"]
            for reason in Episode.DischargeReason
        }
        figures.append(
            {
                "month": start,
                "active": counts[f"active_{index}"],
                "admitted": counts[f"admitted_{index}"],
                "discharged": sum(by_reason.values()),
                "by_reason": by_reason,
            }
        )
    return figures


def episode_billing_for_viewing(user: User, pk: int) -> Episode:
    """An episode with its client, for the staff who bill to read and record
    its diagnosis and prior authorisation (policy.episode_biller_scope);
    404 for anyone else alike. The reading is audited ("episode.billing_view")
    here, and nowhere else."""
    episode = get_object_or_404(
        Episode.objects.filter(episode_biller_scope(user)).select_related("client"), pk=pk
    )
    audit_record(actor=user, action="episode.billing_view", obj=episode, client=episode.client)
    return episode


def episode_billing_for_change(user: User, pk: int) -> Episode:
    """The same episode, locked while its billing details are recorded;
    PermissionDenied when `user` may not record them."""
    episode = (
        Episode.objects.select_for_update(of=("self",))
        .filter(episode_biller_scope(user), pk=pk)
        .select_related("client")
        .first()
    )
    if episode is None:
        raise PermissionDenied
    return episode
