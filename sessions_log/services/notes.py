"""Notes: a draft with autosave, signing (then frozen by a trigger), addenda,
the supervisor's co-sign or return. Each runs in a transaction and is audited."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.types.numeric import Int8

from accounts.audit import audit_event, audit_record
from accounts.models import User
from accounts.policy.records import session_coach_scope
from sessions_log import hooks
from sessions_log.models import Addendum, Note, NoteReview, Session
from sessions_log.selectors.billing import billing_preview
from sessions_log.selectors.note_draft_sql import note_draft_for_change
from sessions_log.selectors.notes import note_for_change, note_for_review
from sessions_log.selectors.sessions import session_for_change
from sessions_log.services.note_counts import COUNTS, note_counts_repair, note_state_set
from sessions_log.services.sessions import check_time_spent

_NOTE_FIELDS = ("services", "goals", "narrative", "client_words", "next_steps")
_SIGNED = "This note is signed and can no longer be edited. Add an addendum instead."


@transaction.atomic
def note_open(*, actor: User, session: Session) -> Note:
    """The note of a closed session, created as an empty draft the first time."""
    # Its coach, the client still theirs, whatever the session's state.
    session = session_for_change(actor, session.pk, scope=session_coach_scope)
    if session.status not in (Session.Status.COMPLETED, Session.Status.NO_SHOW):
        raise ValidationError("Notes are written for completed sessions and no-shows.")
    note, created = Note.objects.get_or_create(session=session, defaults={"author": actor})
    if created:
        audit_record(actor=actor, action="note.create", obj=note, client=session.client)
    return note


@transaction.atomic
def note_save_draft(*, actor: User, note: Note, **fields) -> Note:
    note = note_for_change(actor, note.pk)
    changes = {name: fields[name] for name in _NOTE_FIELDS if name in fields}
    # One statement: it changes nothing once the note is signed, even if the
    # signature landed a moment ago (autosave runs every few seconds).
    saved = Note.objects.filter(pk=note.pk, signed_at__isnull=True).update(
        **changes, updated_at=timezone.now()
    )
    if not saved:
        raise ValidationError(_SIGNED)
    for name, value in changes.items():
        setattr(note, name, value)
    # The plan goals it worked on (coaching's fields on the form), if posted.
    hooks.note_goals.save(actor=actor, note=note, data=fields)
    audit_record(actor=actor, action="note.save_draft", obj=note, client=note.session.client)
    return note


# The draft's texts and its audit row in one statement, prepared on the
# server (one text: PostgreSQL plans it once per connection); nothing is
# written once the note is signed, even if the signature landed a moment ago.
_DRAFT_SAVE_SQL = """
WITH saved AS (
    UPDATE sessions_log_note
    SET services = %(services)s::varchar(100)[], goals = %(goals)s, narrative = %(narrative)s,
        client_words = %(client_words)s, next_steps = %(next_steps)s,
        updated_at = %(now)s::timestamptz
    WHERE id = %(note)s AND signed_at IS NULL
    RETURNING id
), audit AS (
    INSERT INTO accounts_auditevent
        (at, actor_id, action, object_type, object_id, client_id, outcome, ip, request_id,
         client_ids, part_actions, client_parts)
    SELECT %(at)s::timestamptz, %(actor)s, 'note.save_draft', 'note', saved.id::text,
           %(client)s, 'ok', %(ip)s::inet, %(request_id)s, '{}', '{}', '{}'
    FROM saved
)
SELECT count(*) FROM saved
"""


@transaction.atomic
def note_draft_autosave(*, actor: User, pk: int, data, form_for) -> tuple[Note, object, bool]:
    """The autosave (and the draft's Save button): the note read and locked
    with what its form checks against (note_draft_for_change: 404 for a
    note `actor` may not see), the form `form_for(note, data)` checked, then
    the texts and the audit row in one statement and the plan goals in at
    most one more (the hook). Returns the note, the form and whether it was
    saved; a signed note is refused on the form."""
    note = note_draft_for_change(actor, pk)
    form = form_for(note, data)
    if not form.is_valid():
        return note, form, False
    if note.is_signed:
        form.add_error(None, _SIGNED)
        return note, form, False
    fields = form.cleaned_data
    texts = {name: fields[name] for name in _NOTE_FIELDS}
    event = audit_event(actor=actor, action="note.save_draft")
    # Bound on the server, so each id's type is said (bigint), whatever its size.
    with connection.prepared_cursor() as cursor:
        cursor.execute(
            _DRAFT_SAVE_SQL,
            {
                **{
                    name: Note._meta.get_field(name).get_db_prep_value(value, connection)
                    for name, value in texts.items()
                },
                "note": Int8(note.pk),
                "now": timezone.now(),
                "actor": Int8(actor.pk),
                "client": Int8(note.session_client_id),
                "at": event.at,
                "ip": event.ip,
                "request_id": event.request_id,
            },
        )
        if not cursor.fetchone()[0]:
            form.add_error(None, _SIGNED)
            return note, form, False
    for name, value in texts.items():
        setattr(note, name, value)
    hooks.note_goals.save(actor=actor, note=note, data=fields)
    return note, form, True


@transaction.atomic
def note_sign(*, actor: User, note: Note, over_cap_reason: str = "") -> Note:
    """Sign the note: it is fixed from then on, with the author's credential
    and the units the session came to at signing (its share of the client's
    day under the programme's rule: sessions_log/billing.py; claims count the
    day again when they are made). Units past the daily cap are never billed:
    the preview says so; `over_cap_reason`, if the coach gives one, is kept
    with the signature as their note on it."""
    note = note_for_change(actor, note.pk)
    session = note.session
    # One signature per client at a time: the day's units count the others.
    User.objects.select_for_update(no_key=True).filter(pk=session.client_id).first()
    if note.is_signed:
        raise ValidationError("This note is already signed.")
    if not note.narrative.strip():
        raise ValidationError({"narrative": "Write what happened before signing."})
    bill = billing_preview(
        Session.objects.select_related("client", "funding_programme").get(pk=session.pk)
    )
    over_cap_reason = " ".join(over_cap_reason.split())
    # Nothing got updated when another request signed it first.
    signed = Note.objects.filter(pk=note.pk, signed_at__isnull=True).update(
        signed_at=timezone.now(),
        signed_credential=actor.credential,
        units=bill["units"] if session.status == Session.Status.COMPLETED else None,
        over_cap_reason=over_cap_reason if bill["over"] else "",
    )
    if signed != 1:
        raise ValidationError("This note is already signed.")
    note.refresh_from_db()
    note_state_set(note.session_id, Session.NoteState.AWAITING_COSIGN, at=note.signed_at)
    audit_record(actor=actor, action="note.sign", obj=note, client=note.session.client)
    return note


@transaction.atomic
def addendum_add(
    *,
    actor: User,
    note: Note,
    text: str,
    corrected_start: datetime | None = None,
    corrected_minutes: int | None = None,
) -> Addendum:
    """A signed addendum to a signed note. With `corrected_start` and
    `corrected_minutes` it corrects the time spent of a completed session
    (`text` states why): billing reads the latest correction from then on;
    the signed note itself never changes."""
    note = note_for_change(actor, note.pk)
    if not note.is_signed:
        raise ValidationError("Edit the draft directly; addenda are for signed notes.")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the addendum before signing it."})
    correcting = corrected_start is not None or corrected_minutes is not None
    if correcting:
        session = note.session
        if session.status != Session.Status.COMPLETED:
            raise ValidationError("Only a completed session's time spent can be corrected.")
        try:
            corrected_start = check_time_spent(
                booked_start=session.starts_at,
                actual_start=corrected_start,
                minutes_spent=corrected_minutes,
            )
        except ValidationError as error:
            renamed = {"actual_start": "corrected_start", "minutes_spent": "corrected_minutes"}
            raise ValidationError(
                {renamed[name]: messages for name, messages in error.message_dict.items()}
            ) from None
    addendum = Addendum.objects.create(
        note=note,
        author=actor,
        text=text,
        corrected_start=corrected_start if correcting else None,
        corrected_minutes=corrected_minutes if correcting else None,
    )
    # A returned note goes back to the supervisor once the coach has added to it.
    note_state_set(
        note.session_id,
        Session.NoteState.AWAITING_COSIGN,
        at=addendum.signed_at,
        only_from=Session.NoteState.RETURNED,
    )
    action = "note.correct_time" if correcting else "note.addendum"
    audit_record(actor=actor, action=action, obj=addendum, client=note.session.client)
    return addendum


@transaction.atomic
def note_review(*, actor: User, note: Note, decision: str, comment: str = "") -> NoteReview:
    # One review of a note at a time: the state below is decided by who came first.
    note = note_for_review(actor, note.pk)
    comment = comment.strip()
    if decision == NoteReview.Decision.RETURNED and not comment:
        raise ValidationError({"comment": "Say what the coach should add or correct."})
    if decision not in NoteReview.Decision.values:
        raise ValidationError("Choose co-sign or return.")
    try:
        with transaction.atomic():
            review = NoteReview.objects.create(
                note=note, reviewer=actor, decision=decision, comment=comment
            )
    except IntegrityError:
        raise ValidationError("This note is already co-signed.") from None
    note_state_set(
        note.session_id,
        Session.NoteState.COSIGNED
        if decision == NoteReview.Decision.COSIGNED
        else Session.NoteState.RETURNED,
        at=review.at,
    )
    audit_record(actor=actor, action=f"note.{decision}", obj=note, client=note.session.client)
    return review


# What Session.note_state should be, from the notes, reviews and addenda
# themselves: the migration that added the column fills it with this, and
# `note_states_recompute` can repair it. Closed sessions only; the rest stay
# "none".
NOTE_STATES_SQL = """
WITH facts AS (
    SELECT s.id, s.ends_at, n.id AS note_id, n.signed_at,
           (SELECT max(r.at) FROM sessions_log_notereview r
             WHERE r.note_id = n.id AND r.decision = 'cosigned') AS cosigned_at,
           (SELECT max(r.at) FROM sessions_log_notereview r
             WHERE r.note_id = n.id AND r.decision = 'returned') AS returned_at
    FROM sessions_log_session s
    LEFT JOIN sessions_log_note n ON n.session_id = s.id
    WHERE s.status IN ('completed', 'no_show')
), resubmitted AS (
    -- A returned note waits again from the first addendum after its last return.
    SELECT facts.*,
           (SELECT min(a.signed_at) FROM sessions_log_addendum a
             WHERE a.note_id = facts.note_id AND a.signed_at > facts.returned_at) AS back_at
    FROM facts
), states AS (
    SELECT id,
        CASE WHEN signed_at IS NULL THEN 'to_write'
             WHEN cosigned_at IS NOT NULL THEN 'cosigned'
             WHEN returned_at IS NOT NULL AND back_at IS NULL THEN 'returned'
             ELSE 'awaiting_cosign' END AS state,
        CASE WHEN signed_at IS NULL THEN ends_at
             WHEN cosigned_at IS NOT NULL THEN cosigned_at
             WHEN returned_at IS NOT NULL THEN coalesce(back_at, returned_at)
             ELSE signed_at END AS state_at
    FROM resubmitted
)
UPDATE sessions_log_session s SET note_state = states.state, note_state_at = states.state_at
FROM states WHERE s.id = states.id
  AND (s.note_state, s.note_state_at) IS DISTINCT FROM (states.state, states.state_at)
"""


@transaction.atomic
def note_states_recompute() -> int:
    """Rewrite every closed session's note_state from the records, then the
    coaches' note counts from those states; returns how many sessions' rows
    were wrong."""
    with connection.cursor() as cursor:
        cursor.execute(NOTE_STATES_SQL)
        wrong = cursor.rowcount
        # Writers of the counts wait (readers go on) until the repair is in.
        cursor.execute(f"LOCK TABLE {COUNTS} IN EXCLUSIVE MODE")
    note_counts_repair()
    return wrong
