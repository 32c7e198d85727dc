"""Which clients' records have passed retention (45 CFR 164.316(b)(2)(i):
documentation is kept 6 years from its creation or the date it was last in
effect; RETENTION_YEARS["client_record"] may make it longer).

A client's record has passed retention when nothing of it is still in
effect and its last effective date is more than RETENTION_YEARS ago:
- nothing in effect: no open caseload relationship, no open episode;
- the last effective date is the latest of the day their account was made,
  their last episode's discharge, the end of their last relationship with a
  coach, their last session (booked or logged, whatever its state) and their
  last check-in. Each is a day the record was last acted on as a whole;
  disclosures and claims follow sessions and episodes, so they add nothing
  later.
"Past" is strict: a record last in effect exactly N years ago today is kept
until tomorrow.

A record already destroyed (its user de-identified, see
coaching/retention_records.py) is never listed again."""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce, Greatest, TruncDate
from django.http import Http404
from django.utils import timezone

from accounts.audit import audit_clients_shown
from accounts.models import AuditEvent, CaseloadAssignment, Role, User
from accounts.policy.reviews import runs_compliance_reviews
from coaching.models import CheckIn, Consent, Episode
from sessions_log.models import Note, Session

CONFIRMED = "retention.confirmed"
DESTROYED = "retention.destroyed"
AUDIT_PRUNED = "retention.audit_pruned"
# What a de-identified user's email ends with (coaching/retention_records.py).
REMOVED_DOMAIN = "removed.invalid"
# The review page's read, in the client's "Who viewed my record".
READ_ACTION = "retention.read"


def retention_years() -> int:
    return settings.RETENTION_YEARS["client_record"]


def retention_cutoff(kind: str, today: date | None = None) -> date:
    """Records last in effect before this day have passed retention."""
    today = today or timezone.localdate()
    return today - relativedelta(years=settings.RETENTION_YEARS[kind])


def _latest(queryset: QuerySet, field: str) -> Subquery:
    """The latest `field` of the client's rows, as a date (UTC)."""
    rows = queryset.filter(client=OuterRef("pk")).exclude(**{f"{field}__isnull": True})
    value = (
        TruncDate(field)
        if queryset.model._meta.get_field(field).get_internal_type() == ("DateTimeField")
        else Cast(field, DateField())
    )
    return Subquery(rows.annotate(day=value).order_by("-day").values("day")[:1])


def _count(queryset: QuerySet, path: str = "client") -> Coalesce:
    rows = (
        queryset.filter(**{path: OuterRef("pk")})
        .order_by()
        .values(path)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def clients_past_retention(today: date | None = None) -> QuerySet:
    """Clients whose record has passed retention, oldest first, each with
    `last_effective` (a date). One query."""
    cutoff = retention_cutoff("client_record", today)
    open_relationship = CaseloadAssignment.objects.filter(
        client=OuterRef("pk"), ended_at__isnull=True
    )
    open_episode = Episode.objects.filter(client=OuterRef("pk"), discharge_date__isnull=True)
    return (
        User.objects.filter(role=Role.CLIENT)
        .exclude(email__endswith="@" + REMOVED_DOMAIN)
        .filter(~Exists(open_relationship), ~Exists(open_episode))
        .annotate(
            last_effective=Greatest(
                TruncDate("date_joined"),
                _latest(Episode.objects, "discharge_date"),
                _latest(CaseloadAssignment.objects, "ended_at"),
                _latest(Session.objects, "starts_at"),
                _latest(CheckIn.objects, "created_at"),
                output_field=DateField(),
            )
        )
        .filter(last_effective__lt=cutoff)
        .order_by("last_effective", "pk")
    )


def confirmed_for_destruction(today: date | None = None) -> QuerySet:
    """Clients past retention (re-checked now) whom an admin confirmed and
    whose record was not destroyed yet."""
    events = AuditEvent.objects.filter(client=OuterRef("pk"))
    return clients_past_retention(today).filter(
        Exists(events.filter(action=CONFIRMED)), ~Exists(events.filter(action=DESTROYED))
    )


@dataclass(frozen=True)
class PastRetention:
    pk: int
    name: str
    last_effective: date
    sessions: int
    notes: int
    episodes: int
    consents: int
    checkins: int
    confirmed: bool


def retention_review_for_viewing(user: User) -> list[PastRetention]:
    """The admin's review list: each client past retention, what their record
    holds (counts, never content) and whether it was confirmed. Scoped to
    those who run compliance reviews (404 for anyone else); the read is
    audited for each client listed. A fixed number of queries."""
    if not runs_compliance_reviews(user):
        raise Http404
    confirmed = AuditEvent.objects.filter(client=OuterRef("pk"), action=CONFIRMED)
    rows = clients_past_retention().annotate(
        n_sessions=_count(Session.objects),
        n_notes=_count(Note.objects, "session__client"),
        n_episodes=_count(Episode.objects),
        n_consents=_count(Consent.objects),
        n_checkins=_count(CheckIn.objects),
        is_confirmed=Exists(confirmed),
    )
    listed = [
        PastRetention(
            pk=row.pk,
            name=row.display_name,
            last_effective=row.last_effective,
            sessions=row.n_sessions,
            notes=row.n_notes,
            episodes=row.n_episodes,
            consents=row.n_consents,
            checkins=row.n_checkins,
            confirmed=row.is_confirmed,
        )
        for row in rows
    ]
    audit_clients_shown(actor=user, shown=[(READ_ACTION, [row.pk for row in listed])])
    return listed


def past_retention_for_change(user: User, pk) -> User:
    """The client an admin confirms for destruction: past retention now,
    locked; 404 otherwise (not a client, not past retention, not theirs to
    review)."""
    if not runs_compliance_reviews(user):
        raise Http404
    client = clients_past_retention().filter(pk=pk).select_for_update(of=("self",)).first()
    if client is None:
        raise Http404
    return client


def permissions_for(user: User) -> dict:
    return {"can_confirm": runs_compliance_reviews(user)}
