"""Pages keep their rendered content for a short while (accounts.pagecache),
keyed by the viewer's session and the newest change to the records shown.
What people must never notice: an out-of-date page after a write, someone
else's content, or a form that no longer posts."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import CaseloadAssignment, RecordChange, Role, Team, User
from accounts.selectors import records_stamp
from accounts.tasks import record_changes_prune
from coaching import services as trust_services
from coaching.models import CheckIn, CheckInRequest, SupervisorRequest, TrustFlag
from sessions_log import services as session_services
from sessions_log.models import Note, Session
from tests.conftest import make_user, wait_until
from tests.helpers import count_queries, past_contact, sign_in, signed_contact

LOW = {"heard": 6, "safe": 5, "focus": 7, "trust": 6, "helping": 6}


def _signed_in(user, **kwargs) -> Client:
    browser = Client(**kwargs)
    sign_in(browser, user)
    return browser


def _upcoming(coach, client, minutes=30) -> Session:
    return session_services.session_schedule(
        actor=coach,
        client=client,
        starts_at=timezone.now() + timedelta(minutes=minutes),
        duration=timedelta(hours=1),
        modality="phone",
    )


@pytest.mark.django_db
def test_a_page_seen_again_without_changes_is_served_without_its_queries(
    client, coach, client_user
):
    sign_in(client, coach)
    first, response = count_queries(client.get, reverse("accounts:caseload"))
    again, second = count_queries(client.get, reverse("accounts:caseload"))
    assert "Robin Park" in response.content.decode()
    assert "Robin Park" in second.content.decode()
    # Only the request's own queries (session, user, ...) and the key's one.
    assert again < first


@pytest.mark.django_db
def test_each_kind_of_write_shows_on_the_next_request(supervisor, coach, client_user):
    coach_home = _signed_in(coach)
    reviewer = _signed_in(supervisor)
    robin = _signed_in(client_user)
    pages = {
        "coach home": (coach_home, reverse("accounts:caseload")),
        "timeline": (coach_home, reverse("sessions_log:client_timeline", args=[client_user.pk])),
        "dashboard": (reviewer, reverse("review:team_dashboard")),
        "coach detail": (reviewer, reverse("review:coach_detail", args=[coach.pk])),
        "review queue": (reviewer, reverse("sessions_log:review_queue")),
        "client home": (robin, reverse("sessions_log:my_sessions")),
    }

    def shown(page):
        browser, path = pages[page]
        return browser.get(path).content.decode()

    for page in pages:  # every page cached before each write
        shown(page)

    # A name changed by a bulk update (no model code runs).
    User.objects.filter(pk=client_user.pk).update(display_name="Robin Quill")
    assert "Robin Quill" in shown("coach home")
    assert "Robin Quill" in shown("coach detail")
    assert "Robin Quill" in shown("timeline")
    User.objects.filter(pk=coach.pk).update(display_name="Casey Stone")
    assert "Casey Stone" in shown("dashboard")
    assert "Casey" in shown("client home") and "Stone" not in shown("client home")  # short name

    # A session booked through the service.
    assert "No sessions planned yet" in shown("client home")
    _upcoming(coach, client_user)
    assert "No sessions planned yet" not in shown("client home")

    # A signed note waits for the supervisor.
    assert "No notes are waiting" in shown("review queue")
    signed_contact(coach, client_user)
    assert "No notes are waiting" not in shown("review queue")

    # A low check-in raises flags.
    assert "Open flags" in shown("coach home")
    trust_services.checkin_submit(client=client_user, answers=LOW)
    assert "flag-count" in shown("coach home")

    # A new client, written by raw SQL from a console.
    newcomer = make_user("newcomer@example.org", Role.CLIENT, name="Noor Newcomer")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_caseloadassignment (coach_id, client_id, started_at, end_reason)"
            " VALUES (%s, %s, now(), '')",
            [coach.pk, newcomer.pk],
        )
    assert "Noor Newcomer" in shown("coach home")
    assert "Noor Newcomer" in shown("coach detail")

    # An invitation sent.
    account_services.invitation_create(actor=coach, email="kai@example.org", role=Role.CLIENT)
    assert "kai@example.org" in shown("coach home")


@pytest.mark.django_db
def test_a_form_answered_with_errors_is_never_kept(client, coach):
    sign_in(client, coach)
    client.get(reverse("accounts:caseload"))
    path = reverse("accounts:invitation_create")
    first = client.post(path, {"email": "not an email"})
    assert first.status_code == 400
    assert "Enter a valid email address." in first.content.decode()
    second = client.post(path, {"email": ""})
    assert "This field is required." in second.content.decode()
    assert "Enter a valid email address." not in second.content.decode()
    page = client.get(reverse("accounts:caseload")).content.decode()
    assert "This field is required." not in page


@pytest.mark.django_db
def test_a_team_renamed_shows_on_the_admin_dashboard(admin_user, coach):
    browser = _signed_in(admin_user)
    assert "(North)" in browser.get(reverse("review:team_dashboard")).content.decode()
    Team.objects.filter(pk=coach.team_id).update(name="Northwest")
    assert "(Northwest)" in browser.get(reverse("review:team_dashboard")).content.decode()


@pytest.mark.django_db
def test_nobody_is_served_content_cached_for_someone_else(client, coach, client_user, team):
    other = make_user("drew@example.org", Role.COACH, name="Drew Other", team=team)
    stranger = make_user("sasha@example.org", Role.CLIENT, name="Sasha Stranger")
    CaseloadAssignment.objects.create(coach=other, client=stranger)
    casey, drew = _signed_in(coach), _signed_in(other)
    path = reverse("accounts:caseload")
    assert "Robin Park" in casey.get(path).content.decode()
    page = drew.get(path).content.decode()
    assert "Sasha Stranger" in page
    assert "Robin Park" not in page


@pytest.mark.django_db
def test_access_is_checked_before_any_cached_content(coach, client_user):
    browser = _signed_in(coach)
    path = reverse("sessions_log:client_timeline", args=[client_user.pk])
    assert browser.get(path).status_code == 200
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    assert browser.get(path).status_code == 404


@pytest.mark.django_db
def test_a_form_in_cached_content_still_posts_after_signing_in_again(coach, client_user):
    trust_services.checkin_submit(client=client_user, answers=LOW)
    flag = TrustFlag.objects.filter(client=client_user).first()
    path = reverse("sessions_log:client_timeline", args=[client_user.pk])
    browser = _signed_in(coach, enforce_csrf_checks=True)
    browser.get(path)
    browser.logout()
    sign_in(browser, coach)
    page = browser.get(path).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[-1].split('"')[0]
    response = browser.post(
        reverse("trust:flag_acknowledge", args=[flag.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == TrustFlag.Status.ACKNOWLEDGED


@pytest.mark.django_db
def test_the_content_moves_with_the_clock(client_user, coach):
    _upcoming(coach, client_user, minutes=10)
    browser = _signed_in(client_user)
    path = reverse("sessions_log:my_sessions")
    assert "No past sessions yet" in browser.get(path).content.decode()
    # The same session, a quarter of an hour after the appointment began.
    with time_machine.travel(timezone.now() + timedelta(minutes=25)):
        page = browser.get(path).content.decode()
    assert "No past sessions yet" not in page
    assert "No sessions planned yet" in page


# ----------------------------------------------------------- the triggers


def _stamp(person) -> tuple:
    return records_stamp(Q(pk=person.pk))


@pytest.mark.django_db
def test_every_table_of_records_notes_whom_a_write_is_about(coach, client_user):
    session, _ = signed_contact(coach, client_user)
    contact = past_contact(coach, client_user, timedelta(days=1))
    draft = session_services.note_open(actor=coach, session=contact)
    assert trust_services.checkin_request_open(session=contact)
    trust_services.checkin_submit(client=client_user, answers=LOW, talk_to_supervisor=True)
    writes = {
        "session": lambda: Session.objects.filter(pk=session.pk).update(location="Library"),
        "note": lambda: Note.objects.filter(pk=draft.pk).delete()[0],
        "check-in": lambda: CheckIn.objects.filter(client=client_user).update(comment=""),
        "check-in request": lambda: CheckInRequest.objects.filter(client=client_user).delete()[0],
        "flag": lambda: TrustFlag.objects.filter(client=client_user).update(detail="x"),
        "private request": lambda: SupervisorRequest.objects.filter(client=client_user).update(
            handled_at=timezone.now()
        ),
        "relationship": lambda: CaseloadAssignment.objects.filter(client=client_user).update(
            end_reason="moved"
        ),
    }
    for name, write in writes.items():
        before = (_stamp(coach), _stamp(client_user))
        assert write(), name  # the write touched rows
        after = (_stamp(coach), _stamp(client_user))
        assert after[0] != before[0] and after[1] != before[1], name


@pytest.mark.django_db
def test_a_stamp_changes_when_someone_joins_or_leaves_the_people_shown(team, coach):
    members = Q(team_id=team.pk, role=Role.COACH)
    before = records_stamp(members)
    newcomer = make_user("nia@example.org", Role.COACH, team=team)
    joined = records_stamp(members)
    User.objects.filter(pk=newcomer.pk).update(team=None)
    left = records_stamp(members)
    # Back to the people and records of before: the same content, the same key.
    assert before != joined != left


def test_a_real_worker_prunes_all_but_each_persons_newest_change(celery_worker_process):
    RecordChange.objects.all().delete()
    for person in (1, 1, 1, 2, 2, 3):
        RecordChange.objects.create(person_id=person)
    newest = {
        person: RecordChange.objects.filter(person_id=person).order_by("-pk").first().pk
        for person in (1, 2, 3)
    }
    record_changes_prune.apply_async(queue=celery_worker_process)
    assert wait_until(lambda: RecordChange.objects.count() == 3)
    assert set(RecordChange.objects.values_list("pk", flat=True)) == set(newest.values())


def test_the_beat_schedule_prunes_record_changes_hourly():
    from coaching.celery import app

    entry = app.conf.beat_schedule["record-changes-prune"]
    assert entry["task"] == record_changes_prune.name
    assert entry["schedule"].is_due(timezone.now() - timedelta(hours=1))[0]
