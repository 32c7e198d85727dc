"""Reads of notes, always scoped to the person asking: the one lookup of a
note to change (note_for_change, locked; the autosave's is
selectors/note_draft_sql.py, note_draft_for_change_orm here its
reference), the one of a note to review
(note_for_review), the notes a coach has to finish and the supervisors'
co-sign queue (its page is selectors/review_queue_sql.py; review_queue
here stays as the reference it is held equal to)."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.audit import audit_clients_shown
from accounts.models import User
from accounts.policy.records import (
    coach_private_scope,
    note_author_scope,
    note_reviewer_scope,
    note_scope,
    session_cosigner_scope,
    session_scope,
)
from accounts.policy.relationships import client_scope
from common.paging import page_of
from sessions_log import hooks
from sessions_log.models import Note, NoteReview, ServiceType, Session


def notes_visible_to(user: User) -> QuerySet[Note]:
    # The same rule as sessions_visible_to, on the session's client: "session
    # in (every session of the team's clients)" made PostgreSQL list them all.
    # Signed notes only, but for a draft's author and their supervisors.
    return Note.objects.filter(note_scope(user)).select_related(
        "session", "session__client", "session__coach", "author"
    )


def visible_note(user: User, pk: int) -> Note:
    """The note a form on the session page posts to, if `user` sees it (404
    otherwise). No read-audit row: the page that showed it wrote one, and
    the page shown again after a refusal writes one (session_for_viewing)."""
    return get_object_or_404(notes_visible_to(user), pk=pk)


def note_for_change(user: User, pk: int) -> Note:
    """The note `user` writes in (a draft, its signature, an addendum),
    locked until the transaction ends: the coach of its session, the client
    still theirs (note_author_scope). Anyone else is refused."""
    note = (
        Note.objects.select_for_update(of=("self",))
        .select_related("session", "session__client")
        .filter(note_author_scope(user), pk=pk)
        .first()
    )
    if note is None:
        raise PermissionDenied
    return note


def note_draft_for_change_orm(user: User, pk: int) -> Note:
    """The reference for the autosave's static statement
    (selectors/note_draft_sql.py `note_draft_for_change`, held equal to this
    by its tests). The note an autosave writes in, read and locked in one statement: a
    404 for a note `user` may not see, as for one that does not exist (the
    reading scope, note_scope, is the WHERE of the SELECT ... FOR UPDATE);
    refused (PermissionDenied) for one they see but may not write (the
    acting scope, note_author_scope, a column of the same row). With it,
    what the draft form checks against: the active service names and
    whatever the layer above reads with the note (hooks.note_goals.with_note).
    Only the columns the save needs: the texts are posted whole.

    The annotations are read as the statement began; when another save of
    the note committed while we waited for its lock, they are read again
    (one more statement, only then)."""
    notes = (
        Note.objects.filter(note_scope(user), pk=pk)
        .only("session_id", "signed_at", "updated_at")
        .annotate(
            may_write=ExpressionWrapper(note_author_scope(user), output_field=BooleanField()),
            session_client_id=F("session__client_id"),
            service_names=ArraySubquery(
                ServiceType.objects.filter(active=True).order_by("name").values("name")
            ),
            seen_updated_at=Subquery(Note.objects.filter(pk=OuterRef("pk")).values("updated_at")),
            **hooks.note_goals.with_note(),
        )
    )
    note = notes.select_for_update(of=("self",)).first()
    if note is None:
        raise Http404
    if not note.may_write:
        raise PermissionDenied
    if note.seen_updated_at != note.updated_at:
        note = notes.get()
    return note


def note_for_review(user: User, pk: int) -> Note:
    """The note `user` co-signs or returns, its session locked so that one
    review decides at a time: a supervisor of the client's team
    (note_reviewer_scope; anyone else is refused), while it waits for a
    co-sign (session_cosigner_scope; otherwise a ValidationError)."""
    note = (
        Note.objects.select_related("session", "session__client")
        .filter(note_reviewer_scope(user), pk=pk)
        .first()
    )
    if note is None:
        raise PermissionDenied
    waiting = (
        Session.objects.select_for_update()
        .filter(session_cosigner_scope(user), pk=note.session_id)
        .first()
    )
    if waiting is None:
        raise ValidationError("This note is not waiting for your review.")
    note.session = waiting
    return note


@dataclass(frozen=True)
class NotePermissions:
    can_write: bool  # draft, sign, add an addendum: the session's coach now
    can_review: bool  # co-sign or return: the team's supervisor, while it waits


def permissions_for(user: User, note: Note) -> NotePermissions:
    """What `user` may do with `note`, from the same acting scopes that
    note_for_change and note_for_review lock with (one query)."""
    flags = (
        Note.objects.filter(pk=note.pk)
        .annotate(
            may_write=ExpressionWrapper(note_author_scope(user), output_field=BooleanField()),
            may_review=ExpressionWrapper(
                session_cosigner_scope(user, "session__"), output_field=BooleanField()
            ),
        )
        .values("may_write", "may_review")
        .first()
    ) or {"may_write": False, "may_review": False}
    return NotePermissions(can_write=bool(flags["may_write"]), can_review=bool(flags["may_review"]))


def note_reviews_visible_to(user: User) -> QuerySet[NoteReview]:
    """Supervisors' reviews of notes (decision and comment): for the note's
    author and their team's supervisors, never for a successor coach."""
    return (
        NoteReview.objects.filter(
            client_scope(user, "note__session__client"), coach_private_scope(user, "note__author")
        )
        .select_related("reviewer")
        .order_by("at", "pk")
    )


def notes_to_finish(coach: User) -> QuerySet[Session]:
    """The coach's closed sessions whose note is missing or still a draft,
    oldest first, with `note_due_at` and `has_draft` annotated."""
    return (
        Session.objects.filter(session_scope(coach), coach=coach)
        .filter(note_state=Session.NoteState.TO_WRITE)
        .annotate(
            note_due_at=ExpressionWrapper(
                F("ends_at") + timedelta(hours=settings.NOTE_DUE_HOURS),
                output_field=DateTimeField(),
            ),
            has_draft=Exists(Note.objects.filter(session=OuterRef("pk"))),
        )
        # A list of links: what it shows, not whole rows of people.
        .select_related("client")
        .only("starts_at", "ends_at", "client__display_name")
        .order_by("ends_at")
    )


# The oldest few notes to finish on a coach's pages; the rest are a link
# away, so those pages cost the same however far behind a coach is.
NOTES_TO_FINISH_SHOWN = 10


def notes_to_finish_summary(coach: User) -> dict:
    """The oldest notes to finish, whether there are more, and now (for "overdue")."""
    oldest = page_of(notes_to_finish(coach), 1, NOTES_TO_FINISH_SHOWN)
    return {"notes_to_finish": oldest.object_list, "more": oldest.has_next, "now": timezone.now()}


def notes_to_finish_page(coach: User, number) -> dict:
    """A page of the coach's notes to finish. Records the clients it shows."""
    page = page_of(notes_to_finish(coach), number)
    audit_clients_shown(actor=coach, shown=[("notes_to_finish.list", page.object_list)])
    return {"page": page, "now": timezone.now()}


def review_queue(supervisor: User) -> QuerySet[Session]:
    """The sessions of the supervisor's team whose signed note waits for a
    co-sign (session_cosigner_scope), longest waiting first. A returned note
    comes back once its coach has added an addendum (services keep
    Session.note_state)."""
    # The queue lists sessions; the note itself is read (and audited) on the
    # session's page, so the queue never loads note text.
    return (
        Session.objects.filter(session_cosigner_scope(supervisor))
        .select_related("coach", "client")
        .only("starts_at", "note_state_at", "coach__display_name", "client__display_name")
        .order_by("note_state_at", "pk")
    )
