"""No way round the locks for the app's own database role (issue 29, point 2).

The lock triggers keep signed and agreed records as they were signed: HIPAA's
integrity standard, 45 CFR 164.312(c)(1) (protect ePHI from improper
alteration), and its audit controls, 45 CFR 164.312(b). They once looked up
`pg_class` and `sessions_log_note` without a schema, and every role could
create temporary tables, which PostgreSQL searches first: a temporary
`pg_class` naming the app's role as the tables' owner let key rotation's path
(owner only) rewrite a signed note, a signed consent or an agreed goal as
`coaching_app`; a temporary `sessions_log_note` made a signed note a draft to
its goal links. Now every trigger function runs with a fixed search_path
(pg_catalog, public, pg_temp last) and qualified names, the app's role may not
create temporary tables at all, and a signed note's session row (who, when,
what is billed) is locked too.

Each reproduction runs as the app's role, exactly as the app connects
(DATABASE_APP_ROLE, a role of its own), twice: as installed, and with
TEMPORARY granted back to the role (the triggers alone must hold).
"""

from datetime import date, timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEvent
from coaching.models import AgreedGoal, AgreedStep, Consent, NoteGoal, PlanVersion, Recipient
from coaching.services.consents import consent_prepare, consent_sign
from coaching.services.plans import note_goals_set
from common import crypto
from sessions_log.models import Addendum, FundingProgramme, Note, ServiceCode, Session
from sessions_log.services.notes import addendum_add, note_open, note_save_draft, note_sign
from tests.helpers import agree, billable_contact, past_contact, plan_with, signed_contact

pytestmark = pytest.mark.django_db(transaction=True)

REWRITTEN = "Words the client never said"

# A temporary pg_class in which every table of the app is "owned" by the
# connecting role: what the owner check of key rotation's path looked up.
SHADOW_PG_CLASS = [
    "CREATE TEMPORARY TABLE pg_class (oid oid, relowner oid)",
    "INSERT INTO pg_temp.pg_class SELECT c.oid, r.oid"
    " FROM pg_catalog.pg_class c, pg_catalog.pg_roles r"
    " WHERE c.relnamespace = 'public'::regnamespace AND r.rolname = current_user",
    "SET LOCAL coaching.rotating_keys = 'on'",
]


def _as_app():
    role = settings.DATABASE_APP_ROLE
    db = connection.settings_dict
    assert role and role != db["USER"], "DATABASE_APP_ROLE must be a role of its own"
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=role, autocommit=False
    )


def _attack(statements: list[str], sql: str, params=None) -> bool:
    """Run `statements` then `sql` as the app's role, committing what went
    through. True when PostgreSQL refused (nothing committed)."""
    with _as_app() as app:
        try:
            for statement in statements:
                app.execute(statement)
            app.execute(sql, params)
        except psycopg.errors.InsufficientPrivilege:
            app.rollback()
            return True
        app.commit()
    return False


@pytest.fixture(params=["as installed", "temporary granted back"])
def temporary(request):
    """Both ways: as installed, and with TEMPORARY granted to the app's role
    again (someone's mistake): the triggers themselves must still hold."""
    granted = request.param == "temporary granted back"
    name = connection.settings_dict["NAME"]
    if granted:
        with connection.cursor() as cursor:
            cursor.execute(f'GRANT TEMPORARY ON DATABASE "{name}" TO {settings.DATABASE_APP_ROLE}')
    yield granted
    if granted:
        with connection.cursor() as cursor:
            cursor.execute(
                f'REVOKE TEMPORARY ON DATABASE "{name}" FROM {settings.DATABASE_APP_ROLE}'
            )


# ------------------------------------------------------------------ the signed records


def test_a_signed_note_cannot_be_rewritten_through_a_temporary_pg_class(
    temporary, coach, client_user
):
    _, note = signed_contact(coach, client_user, narrative="What really happened")
    assert _attack(
        SHADOW_PG_CLASS,
        "UPDATE sessions_log_note SET narrative = %s WHERE id = %s",
        [crypto.encrypt(REWRITTEN), note.pk],
    )
    assert Note.objects.get(pk=note.pk).narrative == "What really happened"


def test_an_addendum_cannot_be_rewritten_through_a_temporary_pg_class(
    temporary, coach, client_user
):
    _, note = signed_contact(coach, client_user)
    addendum = addendum_add(actor=coach, note=note, text="Also talked about work")
    assert _attack(
        SHADOW_PG_CLASS,
        "UPDATE sessions_log_addendum SET text = %s WHERE id = %s",
        [crypto.encrypt(REWRITTEN), addendum.pk],
    )
    assert Addendum.objects.get(pk=addendum.pk).text == "Also talked about work"


def test_a_signed_consent_cannot_be_rewritten_through_a_temporary_pg_class(
    temporary, coach, client_user
):
    """42 CFR 2.31: the consent says what the client agreed to disclose."""
    recipient = Recipient.objects.create(name="County Court", kind=Recipient.Kind.ORGANISATION)
    consent = consent_prepare(
        actor=coach,
        client=client_user,
        legal_name=client_user.display_name,
        information_from=date(2020, 1, 1),
        recipient=recipient,
        purpose="Attendance only",
        information=["service_record"],
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    consent = consent_sign(
        actor=client_user, consent=consent, typed_name=client_user.display_name, confirmed=True
    )
    assert _attack(
        SHADOW_PG_CLASS,
        "UPDATE coaching_consent SET purpose = %s WHERE id = %s",
        [crypto.encrypt("Everything, to anyone"), consent.pk],
    )
    assert Consent.objects.get(pk=consent.pk).purpose == "Attendance only"


@pytest.fixture
def agreed(coach, client_user):
    plan_with(coach, client_user, goals=1, steps=1)
    return agree(coach, client_user)


def test_an_agreed_goal_and_step_cannot_be_rewritten_through_a_temporary_pg_class(
    temporary, agreed
):
    goal = AgreedGoal.objects.get(version=agreed)
    step = AgreedStep.objects.get(agreed_goal=goal)
    assert _attack(
        SHADOW_PG_CLASS,
        "UPDATE coaching_agreedgoal SET words = %s WHERE id = %s",
        [crypto.encrypt(REWRITTEN), goal.pk],
    )
    assert _attack(
        SHADOW_PG_CLASS,
        "UPDATE coaching_agreedstep SET action = %s WHERE id = %s",
        [crypto.encrypt(REWRITTEN), step.pk],
    )
    assert (
        AgreedGoal.objects.get(pk=goal.pk).words,
        AgreedStep.objects.get(pk=step.pk).action,
    ) == (
        "Goal 0",
        "Step 0.0",
    )


def test_an_agreed_plan_version_cannot_be_changed_through_a_temporary_pg_class(temporary, agreed):
    assert _attack(
        SHADOW_PG_CLASS,
        "UPDATE coaching_planversion SET client_name = 'Someone else' WHERE id = %s",
        [agreed.pk],
    )
    assert PlanVersion.objects.get(pk=agreed.pk).client_name == agreed.client_name


def test_the_goals_of_a_signed_note_cannot_be_changed_through_a_temporary_note_table(
    temporary, coach, client_user
):
    """A temporary sessions_log_note in which the signed note is a draft."""
    (goal,) = plan_with(coach, client_user, goals=1, steps=0)
    note = note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=3)))
    note_goals_set(actor=coach, note=note, goals={goal.pk: "Talked about housing"})
    note_save_draft(actor=coach, note=note, narrative="Talked")
    note_sign(actor=coach, note=note)
    link = NoteGoal.objects.get(note=note)
    shadow_notes = [
        "CREATE TEMPORARY TABLE sessions_log_note (id bigint, signed_at timestamptz)",
        "INSERT INTO pg_temp.sessions_log_note SELECT id, NULL FROM public.sessions_log_note",
    ]
    assert _attack(
        shadow_notes,
        "UPDATE coaching_notegoal SET words = %s WHERE id = %s",
        [crypto.encrypt(REWRITTEN), link.pk],
    )
    assert _attack(shadow_notes, "DELETE FROM coaching_notegoal WHERE id = %s", [link.pk])
    assert NoteGoal.objects.get(pk=link.pk).words == "Talked about housing"


def test_the_audit_trail_cannot_be_rewritten_through_a_temporary_pg_class(
    temporary, coach, client_user
):
    """45 CFR 164.312(b): the audit trail is append-only whatever the session sets."""
    signed_contact(coach, client_user)
    event = AuditEvent.objects.filter(action="note.sign").get()
    assert _attack(
        SHADOW_PG_CLASS,
        "UPDATE accounts_auditevent SET action = 'note.view' WHERE id = %s",
        [event.pk],
    )
    assert _attack(SHADOW_PG_CLASS, "DELETE FROM accounts_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "note.sign"


# ------------------------------------------------------------------ a signed note's session row


@pytest.fixture
def billed(coach, client_user):
    """A completed in-person contact of 60 minutes, H0038 under Medicaid, its note signed."""
    return billable_contact(
        coach, client_user, started=timezone.now() - timedelta(days=2), minutes=60
    )


CHANGES = {
    "client": lambda s, other_client, other_coach: ("client_id = %s", [other_client.pk]),
    "coach": lambda s, other_client, other_coach: ("coach_id = %s", [other_coach.pk]),
    "date": lambda s, *_: (
        "starts_at = starts_at - interval '1 day', ends_at = ends_at - interval '1 day'",
        [],
    ),
    "end time": lambda s, *_: ("ends_at = ends_at + interval '2 hours'", []),
    "actual start": lambda s, *_: ("actual_start = actual_start - interval '1 hour'", []),
    "minutes spent (units)": lambda s, *_: ("minutes_spent = 240", []),
    "service code": lambda s, *_: ("service_code_id = %s", [_other_code(s)]),
    "programme": lambda s, *_: ("funding_programme_id = %s", [_other_programme(s)]),
    "place": lambda s, *_: ("place_type = 'home'", []),
    "modality": lambda s, *_: ("modality = 'phone'", []),
    "status": lambda s, *_: ("status = 'no_show'", []),
}


def _other_code(session) -> int:
    return ServiceCode.objects.exclude(pk=session.service_code_id).values_list("pk", flat=True)[0]


def _other_programme(session) -> int:
    return FundingProgramme.objects.exclude(pk=session.funding_programme_id).values_list(
        "pk", flat=True
    )[0]


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_signed_notes_session_row_is_locked(change, billed, other_client, other_coach):
    """What a claim says of the contact (who, when, which code and programme,
    the time spent that makes the units) is fixed by the signature: 45 CFR
    164.312(c)(1). Corrections of time spent go through a signed addendum."""
    assignment, params = CHANGES[change](billed, other_client, other_coach)
    before = Session.objects.filter(pk=billed.pk).values().get()
    assert _attack(
        [],
        f"UPDATE sessions_log_session SET {assignment} WHERE id = %s",  # noqa: S608 - ours
        [*params, billed.pk],
    )
    assert Session.objects.filter(pk=billed.pk).values().get() == before


def test_the_rest_of_a_signed_notes_session_row_still_changes(billed):
    """The paperwork's state, the calendar's sequence and the coach's private
    agenda are not what was signed: the app still writes them."""
    assert not _attack(
        [],
        "UPDATE sessions_log_session SET note_state = 'cosigned', sequence = sequence + 1,"
        " agenda = %s, updated_at = now() WHERE id = %s",
        [crypto.encrypt("Follow up on housing"), billed.pk],
    )
    session = Session.objects.get(pk=billed.pk)
    assert (session.note_state, session.agenda) == ("cosigned", "Follow up on housing")


def test_before_signing_the_session_row_may_still_change(coach, client_user):
    session = past_contact(coach, client_user, timedelta(hours=3))
    note_open(actor=coach, session=session)
    assert not _attack(
        [], "UPDATE sessions_log_session SET place_type = 'home' WHERE id = %s", [session.pk]
    )
    assert Session.objects.get(pk=session.pk).place_type == "home"


# ------------------------------------------------------------------ what keeps it so


def test_the_app_role_may_not_create_temporary_tables():
    with _as_app() as app:
        allowed = app.execute(
            "SELECT has_database_privilege(current_database(), 'TEMPORARY')"
        ).fetchone()[0]
    assert not allowed
    assert _attack([], "CREATE TEMPORARY TABLE planted (id int)")


# The app's own functions (those of extensions, btree_gist's, aside).
OUR_FUNCTIONS = """
SELECT p.proname, p.proconfig FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = 'public'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                      AND d.deptype = 'e')
 ORDER BY p.proname
"""


def test_every_trigger_function_has_a_fixed_search_path_with_pg_temp_last():
    """A function added by a later migration without `SET search_path` fails here."""
    with connection.cursor() as cursor:
        cursor.execute(OUR_FUNCTIONS)
        functions = dict(cursor.fetchall())
        cursor.execute(
            "SELECT DISTINCT p.proname FROM pg_catalog.pg_trigger t"
            " JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
        )
        used_by_triggers = {name for (name,) in cursor.fetchall()}
    assert used_by_triggers <= set(functions)
    assert {"sessions_log_note_locked", "coaching_consent_locked", "coaching_rotating_only"} <= set(
        functions
    )
    paths = {}
    for name, config in functions.items():
        settings_ = dict(item.split("=", 1) for item in config or [])
        paths[name] = [part.strip() for part in settings_.get("search_path", "").split(",")]
    wrong = {
        name: path
        for name, path in paths.items()
        if path[0] != "pg_catalog" or path[-1] != "pg_temp" or "public" not in path
    }
    assert wrong == {}
