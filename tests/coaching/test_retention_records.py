"""Destroying a record past retention (coaching/retention_records.py,
`manage.py retention_destroy`): HIPAA keeps documentation 6 years (45 CFR
164.316(b)(2)(i)) and then disposes of it (164.310(d)(2)(i) disposal,
(ii) media re-use: nothing of the person left to read), through a path only
the tables' owner may take."""

import io
from datetime import timedelta

import psycopg
import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.audit import audit_clients_shown
from accounts.models import AuditEvent, CaseloadAssignment, LoginSession, Role, User
from accounts.selectors.trail import record_views_for_viewing
from coaching.models import CoachDayFigures, Episode
from coaching.retention_records import (
    ADMIN_LOG_REMOVED,
    CLIENT_LINK,
    KEPT_MODELS,
    OWN_LINKS,
    STAFF_LINKS,
    OwnerRequired,
    record_destroy,
    record_graph,
    record_rows,
    user_links,
)
from coaching.selectors.retention import AUDIT_PRUNED, DESTROYED
from coaching.services.figures import figures_drift
from coaching.services.retention import retention_confirm
from common import crypto
from sessions_log.models import Note, Session
from tests.conftest import make_user
from tests.helpers import _submit, past_contact, signed_contact
from tests.security.free_text import encrypted_fields_in_registry, plant

# Billing files covering several clients' claims: kept whole (the module's
# docstring). A paper claim sheet is reached only through a recipient made
# for the client; one to a payer stays.
KEPT_FILES = {"coaching.ClaimInterchange", "coaching.Remittance", "coaching.ClaimSheet"}
LATER = relativedelta(years=7)


def _run(**kwargs) -> str:
    out = io.StringIO()
    call_command("retention_destroy", stdout=out, **kwargs)
    return out.getvalue()


def _close(client) -> None:
    """Nothing of the client's record in effect any more."""
    CaseloadAssignment.objects.filter(client=client, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    Episode.objects.filter(client=client, discharge_date__isnull=True).update(
        discharge_date=timezone.localdate() + timedelta(days=30),
        discharge_reason="moved",
        discharged_at=timezone.now(),
    )


def _decrypted(label: str, name: str) -> list[str]:
    model = apps.get_model(label)
    column = connection.ops.quote_name(model._meta.get_field(name).column)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
        return [crypto.decrypt(row[0]) for row in cursor.fetchall()]


# ------------------------------------------------------------ the registry


def test_every_foreign_key_to_a_user_is_the_record_s_or_someone_acting():
    """A new model with a foreign key to a user must say whether its rows are
    the person's record (named `client`, or OWN_LINKS) or someone acting on
    a record (STAFF_LINKS): otherwise destruction would silently miss it."""
    unclassified = [
        f"{model._meta.label}.{field.name}"
        for model, field in user_links()
        if field.name != CLIENT_LINK
        and f"{model._meta.label}.{field.name}" not in OWN_LINKS | STAFF_LINKS
        and model._meta.label not in KEPT_MODELS
    ]
    assert unclassified == []
    known = {f"{model._meta.label}.{field.name}" for model, field in user_links()}
    assert (OWN_LINKS | STAFF_LINKS) - known == set(), "a listed link no longer exists"


def test_every_model_holding_people_s_words_is_in_the_record_or_a_kept_file():
    """Every encrypted field (tests/security/free_text.py's registry) sits in
    a model the destruction reaches, or in a billing file kept whole."""
    graph = {model._meta.label for model in record_graph()}
    outside = {label for label, _ in encrypted_fields_in_registry()} - graph
    assert outside == KEPT_FILES - {"coaching.ClaimSheet"}


# ------------------------------------------------------------- destruction


@pytest.mark.django_db
def test_destruction_empties_every_table_of_the_client_and_keeps_the_trail(
    team, coach, supervisor, admin_user, other_coach, other_client, settings
):
    """45 CFR 164.310(d)(2)(i): the record is disposed of, every table, while
    the audit trail (164.312(b)) keeps pointing at a de-identified user."""
    settings.RETENTION_YEARS = {"client_record": 6, "audit_trail": 10}
    planted = plant(team=team, coach=coach, supervisor=supervisor)
    client = planted["client"]
    _, other_note = signed_contact(other_coach, other_client, narrative="Other words")
    _close(client)
    before = record_rows(client)
    assert {Session, Note} <= set(before)
    planted_name = client.display_name
    (admin_logged,) = LogEntry.objects.log_actions(
        admin_user.pk, [client], CHANGE, change_message="[]", single_object=False
    )
    assert admin_logged.object_repr == str(client) and planted_name in str(client)
    others = {model: model._base_manager.count() - len(pks) for model, pks in before.items()}
    with time_machine.travel(timezone.now() + LATER):
        # A page that listed them with another client: one event, both ids.
        audit_clients_shown(actor=admin_user, shown=[("client.read", [client.pk, other_client.pk])])
        retention_confirm(actor=admin_user, client_pk=client.pk)
        views = list(record_views_for_viewing(client).values_list("pk", "action"))
        assert {"client.read", "retention.confirmed"} <= {action for _, action in views}
        output = _run()
    assert f"Client {client.pk}:" in output and "Destroyed 1 client record(s)" in output
    assert client.display_name not in output

    assert record_rows(client) == {}
    for model, count in others.items():
        assert model._base_manager.count() == count, model  # nobody else's rows went
    assert Note.objects.get(pk=other_note.pk).narrative == "Other words"
    # Nothing the client or staff wrote about them can be read anywhere, but
    # in the multi-client billing files kept whole.
    for label, name in sorted(encrypted_fields_in_registry()):
        if label in KEPT_FILES:
            continue
        values = _decrypted(label, name)
        assert not any(planted["text"][label, name] in value for value in values), (label, name)

    client = User.objects.get(pk=client.pk)
    # Django admin's log keeps that staff changed the user, not the name.
    logged = LogEntry.objects.get(pk=admin_logged.pk)
    assert logged.object_repr == ADMIN_LOG_REMOVED and logged.action_flag == CHANGE
    assert planted_name not in LogEntry.objects.values_list("object_repr", flat=True)
    assert client.display_name == f"Former client {client.pk}"
    assert client.email == f"{client.pk}@removed.invalid"
    assert not client.has_usable_password() and not client.is_active
    assert not client.emailaddress_set.exists()
    assert not LoginSession.objects.filter(user=client).exists()
    # "Who viewed my record" keeps every row, now about the de-identified user.
    assert list(record_views_for_viewing(client).values_list("pk", "action")) == views
    destroyed = dict(
        AuditEvent.objects.filter(client=client, action=DESTROYED).values_list(
            "object_type", "object_id"
        )
    )
    assert destroyed["sessions_log.session"] == str(len(before[Session]))
    assert destroyed["sessions_log.note"] == str(len(before[Note]))
    assert destroyed["user"] == str(client.pk)
    # Done once: a second run finds nobody.
    with time_machine.travel(timezone.now() + LATER):
        assert "Destroyed 0 client record(s)" in _run()


@pytest.mark.django_db
def test_destruction_sets_the_coachs_kept_figures_to_what_history_still_says(
    coach, client_user, other_coach, other_client, admin_user, settings
):
    """The coach's day counted the destroyed client's session and check-in
    beside another client's session: the kept figures lose the first two
    and keep the third, so the nightly check finds no drift to alert on.
    Another coach's figures are not touched."""
    settings.RETENTION_YEARS = {"client_record": 6, "audit_trail": 10}
    # The evening after the people were made: both contacts fall on one day.
    evening = timezone.now().replace(hour=18, minute=0) + timedelta(days=1)
    with time_machine.travel(evening, tick=False):
        stays = make_user("stays@example.org", Role.CLIENT, name="Stay Client")
        CaseloadAssignment.objects.create(coach=coach, client=stays)
        past_contact(coach, client_user, timedelta(hours=3))
        past_contact(coach, stays, timedelta(hours=2))
        past_contact(other_coach, other_client, timedelta(hours=2))
        _submit(client_user)
        (day,) = CoachDayFigures.objects.filter(coach=coach)
        assert (day.completed, day.checkins) == (2, 1)
        _close(client_user)
        with time_machine.travel(timezone.now() + LATER):
            retention_confirm(actor=admin_user, client_pk=client_user.pk)
            assert "Destroyed 1 client record(s)" in _run()
    assert not figures_drift().any
    day.refresh_from_db()
    assert (day.completed, day.checkins, day.checkin_score_sum) == (1, 0, 0)
    assert CoachDayFigures.objects.get(coach=other_coach).completed == 1


@pytest.mark.django_db
def test_only_confirmed_records_still_past_retention_are_destroyed(
    coach, client_user, other_coach, other_client, admin_user, settings
):
    settings.RETENTION_YEARS = {"client_record": 6, "audit_trail": 10}
    signed_contact(coach, client_user)
    signed_contact(other_coach, other_client)
    _close(client_user)
    _close(other_client)
    with time_machine.travel(timezone.now() + LATER):
        retention_confirm(actor=admin_user, client_pk=client_user.pk)
        # Confirmed, then back in care before the monthly run: kept.
        CaseloadAssignment.objects.create(coach=coach, client=client_user)
        assert "Destroyed 0 client record(s)" in _run()
    assert Session.objects.filter(client=client_user).count() == 1
    assert Session.objects.filter(client=other_client).count() == 1  # never confirmed
    assert not AuditEvent.objects.filter(action=DESTROYED).exists()


@pytest.mark.django_db
def test_audit_events_past_their_retention_are_pruned_leaving_one_event(admin_user, settings):
    """45 CFR 164.316(b)(2)(i): the audit trail is kept 6 years, then goes."""
    old = AuditEvent.objects.create(action="client.read", actor=admin_user)
    n_old = AuditEvent.objects.count()
    with time_machine.travel(timezone.now() + relativedelta(years=6, days=2)):
        recent = AuditEvent.objects.create(action="client.read", actor=admin_user)
        output = _run()
        cutoff = (timezone.localdate() - relativedelta(years=6)).isoformat()
    assert f"pruned {n_old} audit event(s) from before {cutoff}" in output
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    (event,) = AuditEvent.objects.filter(action=AUDIT_PRUNED)
    assert event.object_id == f"{n_old} before {cutoff}"


# ------------------------------------------------ the app's role cannot


def _app_role() -> str:
    role = settings.DATABASE_APP_ROLE
    assert role and role != connection.settings_dict["USER"]
    return role


@pytest.mark.django_db(transaction=True)
def test_the_app_role_cannot_step_the_locks_aside_to_delete_a_note(coach, client_user):
    """Only the owner may disable the lock triggers; the app's role is refused
    and the signed note stays (45 CFR 164.312(c)(1) integrity)."""
    _, note = signed_contact(coach, client_user, narrative="Kept")
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=_app_role()
    ) as app:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("ALTER TABLE sessions_log_note DISABLE TRIGGER USER")
        app.rollback()
        with pytest.raises(psycopg.Error):
            app.execute("DELETE FROM sessions_log_note WHERE id = %s", [note.pk])
    assert Note.objects.get(pk=note.pk).narrative == "Kept"


@pytest.mark.django_db
def test_the_command_as_the_app_role_refuses_with_a_clear_message(coach, client_user, admin_user):
    signed_contact(coach, client_user)
    _close(client_user)
    with time_machine.travel(timezone.now() + LATER):
        retention_confirm(actor=admin_user, client_pk=client_user.pk)
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(_app_role())}")
        try:
            with pytest.raises(CommandError, match="only be destroyed as the tables' owner"):
                _run()
            with pytest.raises(OwnerRequired):
                record_destroy(client_user)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")
    assert Session.objects.filter(client=client_user).count() == 1
    assert User.objects.get(pk=client_user.pk).display_name == "Robin Park"
