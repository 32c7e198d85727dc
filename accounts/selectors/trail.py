"""The audit trail (admins: everything; supervisors: their team's), and a
client's "Who viewed my record"."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.audit import CLIENT_SEES_OWN, audit_record
from accounts.models import STAFF_ROLES, AuditEvent, User
from accounts.policy import audit_scope
from accounts.policy.pages import sees_whole_audit_trail
from accounts.policy.reviews import runs_compliance_reviews


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(audit_scope(user))
        .select_related("actor", "client")
        .order_by("-at", "-pk")
    )


def audit_trail_for_viewing(user: User) -> QuerySet[AuditEvent]:
    """The events `user` may read (policy.audit_scope), newest first. The
    reading is itself audited ("audit_trail.view": who read the trail, and
    when; about no client, as the page is about everyone's)."""
    audit_record(actor=user, action="audit_trail.view")
    return audit_events_visible_to(user)


def record_views_for_viewing(client: User) -> QuerySet[AuditEvent]:
    """What staff did with a client's record, and the few events of their own
    they are shown beside it (their calendar feed read): for the client to
    see. Their own reading is not recorded (it is their record)."""
    by_staff = Q(client=client, actor__role__in=STAFF_ROLES)
    own = Q(client=client, actor=client, action__in=CLIENT_SEES_OWN)
    return AuditEvent.objects.filter(by_staff | own).select_related("actor").order_by("-at", "-pk")


@dataclass(frozen=True)
class TrailPermissions:
    # Every event and every IP (admins), or a team's, with staff IPs only.
    sees_whole_trail: bool
    # Exporting the trail and breach reports (policy.reviews).
    runs_reviews: bool


def permissions_for(user: User, event: AuditEvent | None = None) -> TrailPermissions:
    return TrailPermissions(
        sees_whole_trail=sees_whole_audit_trail(user), runs_reviews=runs_compliance_reviews(user)
    )
