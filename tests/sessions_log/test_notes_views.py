from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from sessions_log.models import Note, NoteReview, ServiceType, Session
from sessions_log.services.notes import note_open, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log, session_schedule
from tests.helpers import PAGE_STATEMENTS, count_queries, past_contact, sign_in, signed_contact

NOTE = {
    "services": ["Peer support"],
    "goals": "Keep my job",
    "narrative": "We talked through the week.",
    "client_words": "I feel steadier",
    "next_steps": "Call the housing office on Monday",
}


@pytest.fixture
def past_session(coach, client_user):
    ServiceType.objects.create(name="Peer support")
    return contact_log(
        actor=coach,
        client=client_user,
        started_at=timezone.now() - timedelta(hours=3),
        duration=timedelta(minutes=45),
        modality="in_person",
    )


@pytest.fixture
def signed_note(coach, past_session):
    note = note_open(actor=coach, session=past_session)
    note_save_draft(actor=coach, note=note, **NOTE)
    return note_sign(actor=coach, note=note)


def _urls(session, note):
    return {
        "get": [
            reverse("sessions_log:session_detail", args=[session.pk]),
            reverse("coaching:client_timeline", args=[session.client_id]),
        ],
        "post": [
            reverse("sessions_log:note_draft", args=[note.pk]),
            reverse("sessions_log:addendum_add", args=[note.pk]),
            reverse("sessions_log:session_cancel", args=[session.pk]),
        ],
    }


@pytest.mark.django_db
def test_the_ladder_for_session_and_note_pages(
    client, coach, client_user, other_coach, supervisor, signed_note
):
    urls = _urls(signed_note.session, signed_note)
    for url in urls["get"] + urls["post"]:
        method = client.get if url in urls["get"] else client.post
        assert method(url).status_code == 302, url  # anonymous: to login
    sign_in(client, client_user)
    for url in urls["get"]:
        assert client.get(url).status_code == 403, url  # wrong role
    sign_in(client, other_coach)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url  # outsider: as if absent
    for url in urls["post"]:
        assert client.post(url, {"text": "x", "reason": "x"}).status_code == 404, url
    for user in (coach, supervisor):
        sign_in(client, user)
        for url in urls["get"]:
            assert client.get(url).status_code == 200, (user, url)


@pytest.mark.django_db
def test_a_coach_writes_autosaves_and_signs_a_note(client, coach, past_session):
    sign_in(client, coach)
    client.post(reverse("sessions_log:note_open", args=[past_session.pk]))
    note = Note.objects.get(session=past_session)
    response = client.post(
        reverse("sessions_log:note_draft", args=[note.pk]), NOTE, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Draft saved at" in response.content.decode()
    assert Note.objects.get(pk=note.pk).narrative == NOTE["narrative"]
    response = client.post(reverse("sessions_log:note_sign", args=[note.pk]), NOTE)
    assert response.status_code == 302
    assert Note.objects.get(pk=note.pk).is_signed
    # Reading it is audited.
    page = client.get(reverse("sessions_log:session_detail", args=[past_session.pk]))
    assert "We talked through the week." in page.content.decode()
    assert AuditEvent.objects.filter(action="note.read", actor=coach).exists()


@pytest.mark.django_db
def test_signing_an_empty_note_gets_a_clear_message(client, coach, past_session):
    sign_in(client, coach)
    client.post(reverse("sessions_log:note_open", args=[past_session.pk]))
    note = Note.objects.get(session=past_session)
    response = client.post(reverse("sessions_log:note_sign", args=[note.pk]), {"narrative": ""})
    assert response.status_code == 400
    assert "Write what happened before signing." in response.content.decode()
    assert not Note.objects.get(pk=note.pk).is_signed


@pytest.mark.django_db
def test_editing_a_signed_note_is_refused(client, coach, signed_note):
    sign_in(client, coach)
    response = client.post(
        reverse("sessions_log:note_draft", args=[signed_note.pk]), {**NOTE, "narrative": "new"}
    )
    assert response.status_code == 400
    assert "can no longer be edited" in response.content.decode()
    assert Note.objects.get(pk=signed_note.pk).narrative == NOTE["narrative"]


@pytest.mark.django_db
def test_the_supervisor_cosigns_from_the_queue(client, supervisor, signed_note):
    sign_in(client, supervisor)
    queue = client.get(reverse("sessions_log:review_queue")).content.decode()
    assert "Robin Park" in queue
    page = reverse("sessions_log:session_detail", args=[signed_note.session_id])
    assert "Record review" in client.get(page).content.decode()
    response = client.post(
        reverse("sessions_log:note_review", args=[signed_note.pk]), {"decision": "cosigned"}
    )
    assert response.status_code == 302
    assert NoteReview.objects.get(note=signed_note).decision == "cosigned"
    assert (
        "No notes are waiting" in client.get(reverse("sessions_log:review_queue")).content.decode()
    )
    assert "Record review" not in client.get(page).content.decode()


@pytest.mark.django_db
def test_the_client_sees_next_steps_and_nothing_else_of_the_note(client, client_user, signed_note):
    sign_in(client, client_user)
    page = client.get(reverse("coaching:client_home")).content.decode()
    assert NOTE["next_steps"] in page
    for private in (NOTE["narrative"], NOTE["client_words"], NOTE["goals"]):
        assert private not in page
    assert (
        client.get(
            reverse("sessions_log:session_detail", args=[signed_note.session_id])
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_cancelling_from_the_page(client, coach, client_user):
    session = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=2),
        duration=timedelta(hours=1),
        modality="phone",
    )
    sign_in(client, coach)
    url = reverse("sessions_log:session_cancel", args=[session.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert Session.objects.get(pk=session.pk).status == "scheduled"
    assert client.post(url, {"reason": "Client is travelling"}).status_code == 302
    assert Session.objects.get(pk=session.pk).status == "cancelled"


@pytest.mark.django_db
def test_the_review_queue_uses_a_fixed_number_of_queries(client, coach, client_user, supervisor):
    ServiceType.objects.create(name="Peer support")

    def add(count, offset):
        for number in range(count):
            signed_contact(coach, client_user, narrative="text", hours_ago=2 + offset + number)

    sign_in(client, supervisor)
    add(1, 0)
    client.get(reverse("sessions_log:review_queue"))
    small, _ = count_queries(client.get, reverse("sessions_log:review_queue"))
    add(49, 1)
    large, response = count_queries(client.get, reverse("sessions_log:review_queue"))
    page = response.content.decode()
    assert "Page 1" in page
    assert page.count("Open the note") == 25
    assert small == large <= PAGE_STATEMENTS
    second = client.get(reverse("sessions_log:review_queue"), {"page": 2}).content.decode()
    assert second.count("Open the note") == 25


@pytest.mark.django_db
def test_a_failed_autosave_says_not_saved(client, coach, signed_note):
    sign_in(client, coach)
    response = client.post(
        reverse("sessions_log:note_draft", args=[signed_note.pk]),
        {**NOTE, "narrative": "typed after signing"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200  # htmx only swaps 2xx answers into the page
    assert body.startswith("Not saved:") and "can no longer be edited" in body
    assert Note.objects.get(pk=signed_note.pk).narrative == NOTE["narrative"]


def _unwritten(coach, client_user, count):
    """`count` past contacts without notes, oldest first, a day apart."""
    return [
        past_contact(coach, client_user, timedelta(days=count - number, hours=1))
        for number in range(count)
    ]


@pytest.mark.django_db
def test_the_coach_home_lists_the_oldest_notes_to_finish_and_links_to_all(
    client, coach, client_user
):
    sessions = _unwritten(coach, client_user, 12)
    sign_in(client, coach)
    home = client.get(reverse("coaching:coach_home")).content.decode()
    shown = [s for s in sessions if reverse("sessions_log:session_detail", args=[s.pk]) in home]
    assert shown == sessions[:10]  # the ten oldest
    assert reverse("sessions_log:notes_to_finish") in home
    everything = client.get(reverse("sessions_log:notes_to_finish")).content.decode()
    for session in sessions:
        assert reverse("sessions_log:session_detail", args=[session.pk]) in everything
    due = timedelta(hours=settings.NOTE_DUE_HOURS)
    overdue = [s for s in sessions if s.ends_at + due < timezone.now()]
    assert 0 < len(overdue) < len(sessions)
    assert everything.count("overdue") == len(overdue)


@pytest.mark.django_db
def test_with_few_notes_to_finish_the_home_has_no_see_all_link(client, coach, client_user):
    _unwritten(coach, client_user, 3)
    sign_in(client, coach)
    home = client.get(reverse("coaching:coach_home")).content.decode()
    assert "Notes to finish" in home
    assert reverse("sessions_log:notes_to_finish") not in home


@pytest.mark.django_db
def test_the_notes_to_finish_page_says_when_everything_is_signed(client, coach, signed_note):
    sign_in(client, coach)
    page = client.get(reverse("sessions_log:notes_to_finish")).content.decode()
    assert "Every note is signed." in page


@pytest.mark.django_db
def test_an_autosave_takes_at_most_10_statements_and_saves(client, coach, past_session):
    note = note_open(actor=coach, session=past_session)
    sign_in(client, coach)
    client.get(reverse("coaching:coach_home"))  # the login's first request records it
    url = reverse("sessions_log:note_draft", args=[note.pk])
    queries, response = count_queries(
        client.post, url, {"narrative": "Typed so far", "goals": "Work"}, HTTP_HX_REQUEST="true"
    )
    assert "Draft saved" in response.content.decode()
    assert Note.objects.get(pk=note.pk).narrative == "Typed so far"
    assert queries <= PAGE_STATEMENTS
