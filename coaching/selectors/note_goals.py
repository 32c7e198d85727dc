"""What a draft note's form offers of the client's recovery plan (the goals
to tick, and the words the note already has for those it worked on), read
with the note itself: the autosave reads them in the statement that locks
the note (sessions_log/selectors/note_draft_sql.py `note_draft_for_change`,
through sessions_log/hooks.py `note_goals.with_note_sql`), so a save costs no read of
its own whatever the number of goals."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import JSONObject

from coaching.models import Goal, LifeArea, NoteGoal

# The annotation's name on the Note.
ROWS = "plan_goal_rows"


def note_goal_annotations() -> dict:
    """For a Note queryset: the goals of its client's plan, oldest first,
    each with whether the note worked on it and its words (ciphertext)."""
    link = NoteGoal.objects.filter(note=OuterRef(OuterRef("pk")), goal=OuterRef("pk"))
    goals = (
        Goal.objects.filter(plan__client_id=OuterRef("session__client_id"))
        .order_by("created_at", "pk")
        .values(
            row=JSONObject(
                id="pk",
                area="area__name",
                words="words",
                chose=Exists(link),
                note_words=Subquery(link.values("words")[:1]),
            )
        )
    )
    return {ROWS: ArraySubquery(goals)}


# note_goal_annotations as SQL over the note `n` and its session `s`, for
# the autosave's static statement (sessions_log/selectors/note_draft_sql.py,
# held equal to the annotations by its tests): the same rows, the same keys.
# json, not jsonb: Django leaves jsonb for its fields to parse, and these
# rows are read with no field.
_NOTE_GOAL_ROWS_SQL = """ARRAY(
    SELECT json_build_object(
        'id', g.id, 'area', la.name, 'words', g.words,
        'chose', ng.id IS NOT NULL, 'note_words', ng.words)
    FROM coaching_goal g
    JOIN coaching_plan p ON p.id = g.plan_id
    JOIN coaching_lifearea la ON la.id = g.area_id
    LEFT JOIN coaching_notegoal ng ON ng.note_id = n.id AND ng.goal_id = g.id
    WHERE p.client_id = s.client_id
    ORDER BY g.created_at, g.id
)"""


def note_goal_sql() -> dict:
    """{name: SQL expression} of note_goal_annotations (sessions_log's hook)."""
    return {ROWS: _NOTE_GOAL_ROWS_SQL}


# What note_goal_choices_read made of the rows, kept on the note: the form
# and the save both ask, and each goal's words are a decryption.
_CHOICES = "_plan_goal_choices"


def note_goal_choices_read(note) -> tuple[list[Goal], dict[int, str]] | None:
    """The goals and the words chosen (as `note_goal_choices` gives them)
    from the rows read with the note; None when they were not."""
    if (made := getattr(note, _CHOICES, None)) is not None:
        return made
    rows = getattr(note, ROWS, None)
    if rows is None:
        return None
    words = Goal._meta.get_field("words")
    link_words = NoteGoal._meta.get_field("words")
    goals, chosen = [], {}
    for row in rows:
        goal = Goal(pk=row["id"], words=words.from_db_value(row["words"], None, connection))
        goal.area = LifeArea(name=row["area"])
        goals.append(goal)
        if row["chose"]:
            chosen[goal.pk] = link_words.from_db_value(row["note_words"] or "", None, connection)
    setattr(note, _CHOICES, (goals, chosen))
    return goals, chosen
