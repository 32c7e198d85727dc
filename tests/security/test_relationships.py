"""Visibility follows the relationship, not just the client
(accounts/policy.py): a coach who takes a client over reads the earlier
coach's signed notes, never their private agenda, drafts or the reviews of
their notes; a supervisor reviews the relationships their team held, never
the client's time with another team; a coach made a supervisor never reads
the private requests about their own coaching."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.models import SupervisorRequest
from coaching.selectors.caseloads import overdue_note_sessions
from coaching.selectors.report import team_report
from coaching.selectors.trust import supervisor_requests_visible_to
from coaching.services.caseloads import client_reassign
from coaching.services.trust import checkin_submit
from sessions_log.models import Session
from sessions_log.selectors import notes_visible_to
from sessions_log.services.notes import addendum_add, note_open, note_review, note_save_draft
from sessions_log.services.sessions import session_schedule
from tests.conftest import make_user
from tests.helpers import past_contact, sign_in, signed_contact

LOW = {"heard": 6, "safe": 5, "focus": 7, "trust": 6, "helping": 6}  # score 60, flags


@pytest.fixture
def morgan(team):
    """Another coach of North, who takes Robin over from Casey."""
    return make_user("morgan@example.org", Role.COACH, name="Morgan Doe", team=team)


def _hand_over(supervisor, client, new_coach):
    client_reassign(
        actor=supervisor, client=client, new_coach=new_coach, reason="Fit", cancel_upcoming=False
    )


def _page(client, user, session) -> str:
    sign_in(client, user)
    response = client.get(reverse("sessions_log:session_detail", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


# ------------------------------------------------------- a successor coach


@pytest.mark.django_db
def test_a_new_coach_reads_the_earlier_coachs_signed_note_but_not_their_agenda_or_reviews(
    client, coach, client_user, supervisor, morgan
):
    session, note = signed_contact(coach, client_user, narrative="NOTE-TEXT-1")
    note.refresh_from_db()
    Session.objects.filter(pk=session.pk).update(agenda="AGENDA-CANARY-2")
    note_review(actor=supervisor, note=note, decision="returned", comment="REVIEW-CANARY-3")
    addendum_add(actor=coach, note=note, text="ADDENDUM-TEXT-4")
    _hand_over(supervisor, client_user, morgan)

    page = _page(client, morgan, session)
    assert "NOTE-TEXT-1" in page and "ADDENDUM-TEXT-4" in page  # continuity of care
    for private in ("AGENDA-CANARY-2", "Private agenda", "REVIEW-CANARY-3", "Returned by"):
        assert private not in page, private
    # The supervisors of the coach who wrote them still read both.
    page = _page(client, supervisor, session)
    assert "AGENDA-CANARY-2" in page and "REVIEW-CANARY-3" in page
    # The new coach's own agenda for the client is theirs to read.
    own = session_schedule(
        actor=morgan,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(hours=1),
        modality="phone",
        agenda="MORGAN-AGENDA-5",
    )
    assert "MORGAN-AGENDA-5" in _page(client, morgan, own)


@pytest.mark.django_db
def test_a_new_coach_does_not_read_an_earlier_coachs_draft(
    client, coach, client_user, supervisor, morgan
):
    session = past_contact(coach, client_user, timedelta(hours=5))
    draft = note_open(actor=coach, session=session)
    note_save_draft(actor=coach, note=draft, narrative="DRAFT-TEXT-6")
    _hand_over(supervisor, client_user, morgan)

    page = _page(client, morgan, session)
    assert "still writing" not in page and "DRAFT-TEXT-6" not in page
    assert not notes_visible_to(morgan).filter(pk=draft.pk).exists()
    assert not AuditEvent.objects.filter(action="note.read", actor=morgan).exists()
    sign_in(client, morgan)
    response = client.post(reverse("sessions_log:note_draft", args=[draft.pk]), {"narrative": "x"})
    assert response.status_code == 404


# ------------------------------------------------- another team's relationship


@pytest.fixture
def sky(coach, other_coach):
    """Sky worked with Jordan (South): a session, a check-in with a comment
    and the flag it raised. Then Sky moved to Casey (North)."""
    sky = make_user("sky@example.org", Role.CLIENT, name="Sky Moss")
    CaseloadAssignment.objects.create(coach=other_coach, client=sky)
    signed_contact(other_coach, sky, hours_ago=30)
    checkin_submit(client=sky, answers=LOW, comment="SOUTH-COMMENT-7")
    CaseloadAssignment.objects.filter(client=sky).update(ended_at=timezone.now())
    CaseloadAssignment.objects.create(coach=coach, client=sky)
    signed_contact(coach, sky, hours_ago=3)
    return sky


@pytest.mark.django_db
def test_the_history_shows_only_the_relationships_the_team_held(
    client, sky, supervisor, admin_user
):
    url = reverse("coaching:client_history", args=[sky.pk])
    sign_in(client, supervisor)
    page = client.get(url).content.decode()
    assert "Started with Casey Rivera" in page and "Note signed by Casey Rivera" in page
    for south in ("Jordan Lee", "SOUTH-COMMENT-7", "score 60", "Flag raised"):
        assert south not in page, south

    sign_in(client, admin_user)  # an admin reviews every team's relationships
    page = client.get(url).content.decode()
    assert "Started with Jordan Lee" in page and "Started with Casey Rivera" in page


@pytest.mark.django_db
def test_the_report_counts_only_the_relationships_the_team_held(sky, supervisor, other_team, coach):
    pat = make_user("pat@example.org", Role.SUPERVISOR, team=other_team)
    today = timezone.localdate()
    start = today - timedelta(days=7)

    def sky_rows(user):
        return [row for row in team_report(user, start, today) if row[3] == "Sky Moss"]

    # North counts Casey's session with Sky; nothing of Sky's time with Jordan.
    assert [row[2] for row in sky_rows(supervisor)] == ["Casey Rivera"]
    (casey,) = sky_rows(supervisor)
    assert casey[4] == 1 and casey[11:15] == [0, "", "", 0]
    # South still counts its own relationship, though Sky has moved on.
    (jordan,) = sky_rows(pat)
    assert jordan[2] == "Jordan Lee" and jordan[4] == 1 and jordan[11] == 1


@pytest.mark.django_db
def test_overdue_notes_for_review_are_the_team_held_relationships(sky, supervisor):
    later = timezone.now() + timedelta(days=30)  # every note above is long overdue by then
    Session.objects.filter(client=sky).update(note_state=Session.NoteState.TO_WRITE)
    coaches = set(
        overdue_note_sessions(later, supervisor).values_list("coach__display_name", flat=True)
    )
    assert coaches == {"Casey Rivera"}


# -------------------------------------------------- a coach made supervisor


@pytest.mark.django_db
def test_a_coach_made_supervisor_does_not_read_requests_about_their_own_coaching(
    client, coach, client_user, supervisor, morgan
):
    checkin_submit(
        client=client_user, answers=LOW, talk_to_supervisor=True, message="ABOUT-CASEY-8"
    )
    request = SupervisorRequest.objects.get(client=client_user, coach=coach)
    _hand_over(supervisor, client_user, morgan)
    coach.role = Role.SUPERVISOR  # Casey is promoted and stays in North
    coach.save()

    assert not supervisor_requests_visible_to(coach).exists()
    sign_in(client, coach)
    for url in (
        reverse("coaching:supervision"),
        reverse("coaching:client_history", args=[client_user.pk]),
    ):
        page = client.get(url).content.decode()
        assert "ABOUT-CASEY-8" not in page, url
    # The team's other supervisors still read it.
    assert supervisor_requests_visible_to(supervisor).filter(pk=request.pk).exists()
