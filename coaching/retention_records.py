"""Destroying a client's record once it has passed retention, and pruning
the audit trail past its own (45 CFR 164.316(b)(2)(i) keeps 6 years;
164.310(d)(2)(i)/(ii): disposal). `manage.py retention_destroy` runs it as
the tables' owner: the lock triggers refuse every deletion, and only the
owner may step them aside (`ALTER TABLE ... DISABLE TRIGGER USER`, enabled
again in the same transaction). The app's role owns nothing, so this path is
closed to it.

What "the client's record" is comes from the models' metadata, not a hand
list: every row with a foreign key to the client named `client` (or one of
OWN_LINKS: the account's own addresses, MFA, sessions ...), and, repeatedly,
every row with a foreign key to a row already in the record (a note through
its session, a plan's versions, goals and steps, a consent's documents).
Every other foreign key to a user is someone acting (STAFF_LINKS): such rows
stay. tests/coaching/test_retention_records.py fails when a new foreign key
to a user is in neither list.

Decisions:
- The audit trail (AuditEvent) stays: it is pruned by age only, so "Who
  viewed my record" rows keep pointing at the de-identified user.
- The user row stays, de-identified: audit events and the staff links of
  other records point at it. So do Django admin's log rows about the user
  or a destroyed row, their object's name replaced.
- A claim batch, interchange, remittance or paper claim sheet covers several
  clients: the client's claims and claim lines go, the batch and the files
  stay (the organisation's billing documents; they hold the claim as sent).
- Recipients made for this client (Recipient.client) go with the record;
  shared recipients (payers, agencies) stay."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q

from accounts.models import AuditEvent, User
from coaching.models import CheckIn
from coaching.selectors.retention import AUDIT_PRUNED, DESTROYED, REMOVED_DOMAIN
from coaching.services.figures import coach_figures_repair
from sessions_log.models import Session

CLIENT_LINK = "client"
ADMIN_LOG_REMOVED = "(destroyed at the end of retention)"
# Foreign keys to a user whose rows are that user's own: they go with the record.
OWN_LINKS = {
    "account.EmailAddress.user",
    "mfa.Authenticator.user",
    "accounts.LoginSession.user",
    "accounts.Invitation.accepted_user",
    "sessions_log.CalendarFeed.user",
    "sessions_log.ReminderPreference.user",
    "sessions_log.Reminder.recipient",
    "sessions_log.TextNumber.user",
    "sessions_log.TextMessage.recipient",
}
# Models kept whole, with why.
KEPT_MODELS = {
    "accounts.AuditEvent": "the audit trail: pruned by age (RETENTION_YEARS['audit_trail'])",
    "admin.LogEntry": "Django admin's log of what staff changed there (its names of the "
    "record's rows de-identified)",
}
# Foreign keys to a user who acted on a record (wrote, signed, uploaded,
# coaches): the row is not that person's record, so it stays.
STAFF_LINKS = {
    "accounts.CaseloadAssignment.coach",
    "accounts.CaseloadAssignment.created_by",
    "accounts.PayerIdentity.updated_by",
    "accounts.Invitation.coach",
    "accounts.Invitation.invited_by",
    "sessions_log.SessionGroup.coach",
    "coaching.CoachDayFigures.coach",
    "coaching.RelationshipFigures.coach",
    "sessions_log.CoachNoteCounts.coach",
    "sessions_log.SessionGroup.created_by",
    "sessions_log.Session.coach",
    "sessions_log.Session.cancelled_by",
    "sessions_log.Session.created_by",
    "sessions_log.Note.author",
    "sessions_log.Addendum.author",
    "sessions_log.NoteReview.reviewer",
    "coaching.Consent.prepared_by",
    "coaching.Consent.recorded_by",
    "coaching.Consent.revoked_by",
    "coaching.ConsentDocument.uploaded_by",
    "coaching.CheckIn.coach",
    "coaching.TrustFlag.coach",
    "coaching.TrustFlag.acknowledged_by",
    "coaching.TrustFlag.resolved_by",
    "coaching.SupervisorRequest.coach",
    "coaching.SupervisorRequest.handled_by",
    "coaching.SupervisorRequest.done_by",
    "coaching.Disclosure.by",
    "coaching.OutgoingFile.created_by",
    "coaching.OutgoingFile.marked_sent_by",
    "coaching.BillingOrganisation.updated_by",
    "coaching.ProviderIdentity.coach",
    "coaching.ProviderIdentity.updated_by",
    "coaching.ClaimInterchange.created_by",
    "coaching.ClaimBatch.created_by",
    "coaching.ClaimBatch.sent_by",
    "coaching.Claim.coach",
    "coaching.Remittance.uploaded_by",
    "coaching.ClaimSheet.created_by",
    "coaching.ClaimSheet.marked_sent_by",
    "coaching.Episode.opened_by",
    "coaching.Episode.discharged_by",
    "coaching.ContactPreferences.updated_by",
    "coaching.OutreachAttempt.coach",
    "coaching.Plan.created_by",
    "coaching.PlanVersion.created_by",
    "coaching.PlanVersion.coach_signed_by",
    "coaching.Goal.created_by",
    "coaching.Goal.updated_by",
    "coaching.Step.coach",
    "coaching.Step.state_changed_by",
    "coaching.Step.created_by",
    "coaching.Step.updated_by",
    "coaching.PlanChange.actor",
    "coaching.RecordRequest.logged_by",
    "coaching.RecordRequest.decided_by",
}


class OwnerRequired(Exception):
    """Raised when the database connection is not the tables' owner."""


def _label(model, field) -> str:
    return f"{model._meta.label}.{field.name}"


def user_links():
    """Every (model, field) with a foreign key to a user, in every app."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is User:
                yield model, field


@dataclass(frozen=True)
class Links:
    to_client: tuple  # field names pointing at the client
    to_record: tuple  # (field name, model) pointing at rows of the record


def record_graph() -> dict:
    """Each model holding part of a client's record -> how its rows are
    reached (Links)."""
    to_client: dict = {}
    for model, field in user_links():
        if model._meta.label in KEPT_MODELS:
            continue
        if field.name == CLIENT_LINK or _label(model, field) in OWN_LINKS:
            to_client.setdefault(model, []).append(field.name)
    graph = {model: Links(tuple(names), ()) for model, names in to_client.items()}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models(include_auto_created=True):
            if model._meta.label in KEPT_MODELS or model is User:
                continue
            to_record = tuple(
                (field.name, field.related_model)
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model in graph
            )
            current = graph.get(model)
            if to_record and (current is None or current.to_record != to_record):
                graph[model] = Links(current.to_client if current else (), to_record)
                grown = True
    return graph


def record_rows(client: User) -> dict:
    """model -> the primary keys of the client's rows in it (only models
    holding some), found by following record_graph() until nothing new."""
    graph = record_graph()
    rows = {model: set() for model in graph}
    grown = True
    while grown:
        grown = False
        for model, links in graph.items():
            condition = Q()
            for name in links.to_client:
                condition |= Q(**{name: client.pk})
            for name, target in links.to_record:
                if rows[target]:
                    condition |= Q(**{f"{name}__in": rows[target]})
            if not condition:
                continue
            found = set(model._base_manager.filter(condition).values_list("pk", flat=True))
            if found - rows[model]:
                rows[model] |= found
                grown = True
    return {model: pks for model, pks in rows.items() if pks}


def runs_as_owner() -> bool:
    """Whether this connection may step the lock triggers aside: it owns the
    audit trail's table (the owner of every table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_catalog.pg_class"
            " WHERE oid = %s::regclass",
            [AuditEvent._meta.db_table],
        )
        return bool(cursor.fetchone()[0])


def require_owner() -> None:
    if not runs_as_owner():
        raise OwnerRequired(
            "Records can only be destroyed as the tables' owner: run "
            "`DATABASE_URL=$DATABASE_OWNER_URL manage.py retention_destroy` "
            "(the app's own role may not step the lock triggers aside)."
        )


def _triggers(cursor, tables, state: str) -> None:
    """Step the lock triggers aside (DISABLE) or back (ENABLE). PostgreSQL
    refuses ALTER TABLE on a table with foreign-key checks still pending in
    the transaction: they are run first (and any failure stops here)."""
    quote = connection.ops.quote_name
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table in sorted(tables):
        cursor.execute(f"ALTER TABLE {quote(table)} {state} TRIGGER USER")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _delete(cursor, model, pks) -> None:
    quote = connection.ops.quote_name
    cursor.execute(
        f"DELETE FROM {quote(model._meta.db_table)}"  # noqa: S608 - names from the model
        f" WHERE {quote(model._meta.pk.column)} = ANY(%s)",
        [sorted(pks)],
    )


def _deidentify(client: User) -> None:
    client.display_name = f"Former client {client.pk}"
    client.email = f"{client.pk}@{REMOVED_DOMAIN}"
    client.password = make_password(None)
    client.is_active = False
    client.last_login = None
    client.credential = ""
    client.team = None
    client.save()


def _admin_log_deidentify(client: User, rows: dict) -> None:
    """Django admin's log names each object it changed (object_repr: the
    client's name, a session's date and who with): its rows about the user
    and the destroyed rows keep what was done and when, not whom."""
    types = ContentType.objects.get_for_models(User, *rows)
    about = Q(content_type=types[User], object_id=str(client.pk))
    for model, pks in rows.items():
        about |= Q(content_type=types[model], object_id__in=[str(pk) for pk in pks])
    LogEntry.objects.filter(about).update(object_repr=ADMIN_LOG_REMOVED)


def _coaches_counted(rows: dict) -> set[int]:
    """The coaches whose kept day figures count some of `rows` (the
    record's sessions and check-ins)."""
    coaches = set()
    for model in (Session, CheckIn):
        if rows.get(model):
            found = model._base_manager.filter(pk__in=rows[model])
            coaches |= set(found.values_list("coach_id", flat=True))
    return coaches


def record_destroy(client: User) -> dict:
    """Delete every row of the client's record and de-identify their user
    row, in the caller's transaction (call inside `transaction.atomic`);
    leave one `retention.destroyed` event per kind of row (the model and the
    count, no content) and one for the user row. Returns {model label: count}.
    Foreign keys are checked before returning: a row of the record left
    behind (a model the graph missed) raises and nothing is destroyed."""
    require_owner()
    rows = record_rows(client)
    tables = {model._meta.db_table for model in rows} | {User._meta.db_table}
    coaches = _coaches_counted(rows)
    with connection.cursor() as cursor:
        _triggers(cursor, tables, "DISABLE")
        for model, pks in rows.items():
            _delete(cursor, model, pks)
        _deidentify(client)
        _admin_log_deidentify(client, rows)
        # Checks every foreign key to a deleted row before the locks come back.
        _triggers(cursor, tables, "ENABLE")
    # The coaches' kept figures counted the sessions and check-ins just
    # destroyed: set right now, or the nightly check would tell admins of a
    # drift no one caused. (The relationships' own figures went with them.)
    coach_figures_repair(coach_ids=coaches)
    counts = {
        model._meta.label_lower: len(pks)
        for model, pks in sorted(rows.items(), key=lambda item: item[0]._meta.label)
    }
    events = [
        AuditEvent(action=DESTROYED, object_type=label, object_id=str(count), client=client)
        for label, count in counts.items()
    ]
    events.append(
        AuditEvent(
            action=DESTROYED,
            object_type=User._meta.model_name,
            object_id=str(client.pk),
            client=client,
        )
    )
    AuditEvent.objects.bulk_create(events)
    return counts


def audit_prune(cutoff: date) -> int:
    """Delete audit events from before `cutoff` (midnight UTC), in the
    caller's transaction, leaving one `retention.audit_pruned` event with the
    count and the cut-off. Returns the count (no event when none went)."""
    require_owner()
    since = datetime.combine(cutoff, clock.min, tzinfo=UTC)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        _triggers(cursor, {AuditEvent._meta.db_table}, "DISABLE")
        cursor.execute(f"DELETE FROM {table} WHERE at < %s", [since])  # noqa: S608
        count = cursor.rowcount
        _triggers(cursor, {AuditEvent._meta.db_table}, "ENABLE")
    if count:
        AuditEvent.objects.create(
            action=AUDIT_PRUNED,
            object_type=AuditEvent._meta.model_name,
            object_id=f"{count} before {cutoff.isoformat()}",
        )
    return count
