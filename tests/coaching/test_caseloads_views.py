"""Caseload review: the dashboard's figures and sorting, query counts at 1
and 50 coaches and clients, the history, reassignment and the CSV report.
(Who may open which page: tests/security/test_matrix.py.)"""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Role
from coaching.models import CheckIn, TrustFlag
from coaching.services.figures import figures_repair
from coaching.services.outreach import outreach_attempt_log
from coaching.services.trust import flag_resolve
from sessions_log.models import Reminder, Session
from sessions_log.services.sessions import session_schedule
from tests.conftest import make_user
from tests.helpers import (
    CANARY,
    GOOD,
    LOW,
    PAGE_STATEMENTS,
    _completed,
    _requested,
    _submit,
    count_queries,
    past_contact,
    sign_in,
    signed_contact,
)

# ------------------------------------------------------------- dashboard


@pytest.fixture
def busy_coach(coach, client_user, supervisor):
    """Casey's caseload with one of everything the dashboard counts."""
    now = timezone.now()
    quiet = make_user("quiet@example.org", Role.CLIENT, name="Quinn Quiet")
    CaseloadAssignment.objects.create(
        coach=coach, client=quiet, started_at=now - timedelta(days=20)
    )
    done = _completed(coach, client_user)  # completed, note missing -> overdue
    Session.objects.filter(pk=done.pk).update(
        starts_at=now - timedelta(days=5, hours=1), ends_at=now - timedelta(days=5)
    )
    missed = _completed(coach, client_user)
    Session.objects.filter(pk=missed.pk).update(
        status="no_show",
        starts_at=now - timedelta(days=10, hours=1),
        ends_at=now - timedelta(days=10),
    )
    signed_contact(coach, client_user)
    _submit(client_user, answers=LOW, talk_to_supervisor=True, message=CANARY)
    # The updates above moved sessions past the services: the dashboard reads
    # the kept figures, so they are set right as the nightly check would.
    figures_repair()
    return {"quiet": quiet}


@pytest.mark.django_db
def test_the_dashboard_counts_what_a_supervisor_needs_to_see(client, busy_coach, coach, supervisor):
    sign_in(client, supervisor)
    response = client.get(reverse("coaching:team_dashboard"))
    (row,) = [row for row in response.context["rows"] if row["coach_id"] == coach.pk]
    assert row["active_clients"] == 2
    assert (row["completed_30"], row["no_shows_30"]) == (2, 1)
    assert row["quiet_clients"] == 1
    assert row["notes_overdue"] == 2  # the completed one and the no-show
    assert row["notes_waiting"] == 1
    assert row["trust_mean"] == 60
    assert (row["open_flags"], row["open_requests"]) == (2, 1)
    page = response.content.decode()
    assert reverse("coaching:coach_detail", args=[coach.pk]) + "#overdue" in page
    assert CANARY not in page


@pytest.mark.django_db
def test_coach_detail_marks_the_quiet_client_and_lists_overdue_notes(
    client, busy_coach, coach, supervisor
):
    sign_in(client, supervisor)
    page = client.get(reverse("coaching:coach_detail", args=[coach.pk])).content.decode()
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in page.split("<tr>")[2:]}
    assert "No contact 14+ days" in rows["Quinn Quiet"]
    assert "No contact 14+ days" not in rows["Robin Park"]
    assert "2 notes overdue:" in page


@pytest.mark.django_db
def test_no_contact_counts_successful_contacts_only_and_shows_the_attempts_beside_it(
    client, busy_coach, coach, supervisor
):
    quiet = busy_coach["quiet"]
    dashboard = reverse("coaching:team_dashboard")
    detail = reverse("coaching:coach_detail", args=[coach.pk])
    sign_in(client, supervisor)

    def figures():
        (row,) = [r for r in client.get(dashboard).context["rows"] if r["coach_id"] == coach.pk]
        page = client.get(detail).content.decode()
        badge = page.split("Quinn Quiet</a>")[1].split("</th>")[0]
        return row["quiet_clients"], row["quiet_attempts"], badge

    for outcome in ("no_answer", "left_message"):
        outreach_attempt_log(actor=coach, client=quiet, channel="phone", outcome=outcome)
    quiet_clients, attempts, badge = figures()
    assert (quiet_clients, attempts) == (1, 2)  # tries that did not reach them
    assert "No contact 14+ days, 2 attempts" in badge
    assert "(2 attempts)" in client.get(dashboard).content.decode()

    outreach_attempt_log(actor=coach, client=quiet, channel="text", outcome="reached")
    quiet_clients, attempts, badge = figures()
    assert (quiet_clients, attempts) == (0, 0)
    assert "No contact" not in badge


@pytest.mark.django_db
def test_an_admin_sees_every_team_but_no_private_requests(
    client, busy_coach, admin_user, other_coach
):
    sign_in(client, admin_user)
    response = client.get(reverse("coaching:team_dashboard"))
    coaches = {row["name"]: row for row in response.context["rows"]}
    assert {"Casey Rivera", "Jordan Lee"} <= set(coaches)
    assert coaches["Casey Rivera"]["open_requests"] is None
    assert "Private requests" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "first"),
    [
        ("coach", "Abe Able"),
        ("-coach", "Casey Rivera"),
        ("-active_clients", "Casey Rivera"),
        ("active_clients", "Abe Able"),
        ("-open_flags", "Casey Rivera"),
        ("trust_mean", "Casey Rivera"),  # coaches without a score come last
    ],
)
def test_the_dashboard_sorts_by_a_column(
    client, supervisor, coach, client_user, team, column, first
):
    make_user("abe@example.org", Role.COACH, name="Abe Able", team=team)
    _submit(client_user, answers=LOW)
    sign_in(client, supervisor)
    response = client.get(reverse("coaching:team_dashboard"), {"sort": column})
    assert response.status_code == 200
    assert response.context["rows"][0]["name"] == first


@pytest.mark.django_db
def test_sorting_by_an_unknown_column_says_so(client, supervisor, coach):
    sign_in(client, supervisor)
    response = client.get(reverse("coaching:team_dashboard"), {"sort": "salary"})
    assert response.status_code == 400
    assert "cannot be sorted by “salary”" in response.content.decode()


def _grow(team, count):
    """`count` more coaches in the team, each with a client, a completed
    session, a check-in and a flag."""
    for index in range(count):
        coach = make_user(f"coach{index}@example.org", Role.COACH, team=team, totp=False)
        person = make_user(f"client{index}@example.org", Role.CLIENT)
        CaseloadAssignment.objects.create(coach=coach, client=person)
        past_contact(coach, person, timedelta(days=2))
        _submit(person, answers=LOW, talk_to_supervisor=True)


@pytest.mark.django_db
def test_review_pages_use_the_same_number_of_queries_for_1_and_50_coaches(
    client, supervisor, coach, client_user, team, steady_session
):
    _grow(team, 0)
    _submit(client_user, answers=LOW, talk_to_supervisor=True)
    sign_in(client, supervisor)
    today = timezone.localdate()
    urls = [
        reverse("coaching:team_dashboard"),
        reverse("coaching:coach_detail", args=[coach.pk]),
        reverse("coaching:client_history", args=[client_user.pk]),
        reverse("coaching:supervision"),
        reverse("coaching:report") + f"?start={today - timedelta(days=30)}&end={today}",
    ]
    client.get(urls[0])  # the first request of a login records its user session
    few = [count_queries(client.get, url)[0] for url in urls]
    _grow(team, 49)
    for index in range(49):  # and 49 more clients for Casey, with history
        person = make_user(f"more{index}@example.org", Role.CLIENT)
        CaseloadAssignment.objects.create(coach=coach, client=person)
    client.get(urls[0])  # the login's first requests write its session; then none (steady_session)
    many = [count_queries(client.get, url)[0] for url in urls]
    assert few == many
    assert max(many[:2]) <= PAGE_STATEMENTS  # the dashboard and coach detail
    # The dashboard: the session, the policy's coaches, its two statements (was 9).
    assert many[0] == 4
    dashboard = client.get(urls[0])
    assert len(dashboard.context["rows"]) == 50


# --------------------------------------------------------------- history


@pytest.mark.django_db
def test_the_history_shows_everything_and_private_things_to_supervisors_only(
    client, busy_coach, supervisor, admin_user, coach, client_user
):
    _submit(client_user, _requested(coach, client_user), answers=GOOD, comment="COMMENT-7")
    url = reverse("coaching:client_history", args=[client_user.pk])
    sign_in(client, supervisor)
    page = client.get(url).content.decode()
    for text in (
        "Started with Casey Rivera",
        "Note signed by Casey Rivera",
        "score 60",
        "Flag raised",
    ):
        assert text in page
    assert CANARY in page and "COMMENT-7" in page
    assert "Talked" not in page  # note text stays on the session page

    sign_in(client, admin_user)
    page = client.get(url).content.decode()
    assert "score 60" in page and CANARY not in page and "COMMENT-7" not in page


# ---------------------------------------------------------- reassignment


@pytest.fixture
def upcoming(coach, client_user):
    return session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=3),
        duration=timedelta(hours=1),
        modality="phone",
    )


def _reassign(client, client_user, new_coach, future="move", reason="Better fit"):
    return client.post(
        reverse("coaching:client_reassign", args=[client_user.pk]),
        {"new_coach": new_coach.pk, "reason": reason, "future": future},
    )


@pytest.mark.django_db
def test_reassigning_moves_upcoming_sessions_and_their_reminders(
    client, supervisor, coach, client_user, team, upcoming
):
    _submit(client_user, answers=GOOD)
    Reminder.objects.create(
        session=upcoming,
        recipient=coach,
        kind="first_reminder",
        due_at=timezone.now() + timedelta(days=1),
        next_attempt_at=timezone.now() + timedelta(days=1),
        deadline=upcoming.starts_at,
    )
    morgan = make_user("morgan@example.org", Role.COACH, name="Morgan Doe", team=team)
    sign_in(client, supervisor)
    assert _reassign(client, client_user, morgan).status_code == 302

    upcoming.refresh_from_db()
    assert (upcoming.coach, upcoming.sequence, upcoming.status) == (morgan, 1, "scheduled")
    old = CaseloadAssignment.objects.get(coach=coach, client=client_user)
    assert old.ended_at and old.end_reason == "Better fit"
    assert CaseloadAssignment.objects.get(client=client_user, ended_at__isnull=True).coach == morgan
    assert Reminder.objects.get(session=upcoming, recipient=coach).status == "cancelled"
    notice = Reminder.objects.get(session=upcoming, recipient=client_user, kind="rescheduled")
    assert notice.status == "pending" and notice.sequence == 1
    from coaching.selectors.trust import checkins_visible_to

    assert not checkins_visible_to(morgan).exists()  # trust starts afresh
    assert CheckIn.objects.count() == 1
    assert AuditEvent.objects.filter(action="assignment.reassign", client=client_user).exists()


@pytest.mark.django_db
def test_reassigning_can_cancel_upcoming_sessions_with_notice(
    client, supervisor, client_user, team, upcoming
):
    morgan = make_user("morgan@example.org", Role.COACH, team=team)
    sign_in(client, supervisor)
    _reassign(client, client_user, morgan, future="cancel")
    upcoming.refresh_from_db()
    assert upcoming.status == "cancelled" and upcoming.cancel_reason.startswith("Coach changed")
    assert Reminder.objects.get(session=upcoming, kind="cancelled").status == "pending"


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["same", "other_team", "clash"])
def test_a_bad_reassignment_is_explained_and_changes_nothing(
    client, supervisor, coach, client_user, team, other_coach, upcoming, target
):
    if target == "clash":  # the new coach is busy at the session's time
        new = make_user("morgan@example.org", Role.COACH, team=team)
        busy_with = make_user("kim@example.org", Role.CLIENT)
        CaseloadAssignment.objects.create(coach=new, client=busy_with)
        session_schedule(
            actor=new,
            client=busy_with,
            starts_at=upcoming.starts_at,
            duration=timedelta(hours=1),
            modality="phone",
        )
    else:
        new = {"same": coach, "other_team": other_coach}[target]
    sign_in(client, supervisor)
    response = _reassign(client, client_user, new)
    assert response.status_code == 400
    message = {
        "same": "already works with that coach",
        "other_team": "Select a valid choice",
        "clash": "already has a session on",
    }[target]
    assert message in response.content.decode()
    assert CaseloadAssignment.objects.get(client=client_user, ended_at__isnull=True).coach == coach
    upcoming.refresh_from_db()
    assert upcoming.coach == coach and upcoming.sequence == 0


# ---------------------------------------------------------------- report


@pytest.mark.django_db
def test_the_report_is_a_csv_with_formulas_escaped_and_each_export_audited(
    client, supervisor, coach, client_user, busy_coach
):
    client_user.display_name = '=HYPERLINK("http://evil")'
    client_user.save()
    sign_in(client, supervisor)
    today = timezone.localdate()
    response = client.get(
        reverse("coaching:report"), {"start": today - timedelta(days=30), "end": today}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["level", "team", "coach", "client"]
    casey = next(row for row in rows if row[0] == "coach" and row[2] == "Casey Rivera")
    assert casey[4:8] == ["2", "1", "0", "0"]  # completed, no-show, cancelled, scheduled
    assert casey[8:11] == ["1", "0", "2"]  # notes on time, late, missing
    assert casey[11:15] == ["1", "60", "60", "2"]  # check-ins, mean, lowest, flags
    robin = next(row for row in rows if row[0] == "client" and "HYPERLINK" in row[3])
    assert robin[3].startswith("'=")
    assert AuditEvent.objects.filter(action="report.export", actor=supervisor).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-05-02", "2026-05-01", "must not be before the start"),
        ("2023-01-01", "2026-01-02", "at most 2 years"),
        ("2026-13-01", "2026-05-01", "Enter a valid date"),
    ],
)
def test_a_bad_report_range_is_explained_and_not_exported(client, supervisor, start, end, message):
    sign_in(client, supervisor)
    response = client.get(reverse("coaching:report"), {"start": start, "end": end})
    assert response.status_code == 400 and message in response.content.decode()
    assert not AuditEvent.objects.filter(action="report.export").exists()


@pytest.mark.django_db
def test_resolving_a_flag_twice_is_refused(client, supervisor, coach, client_user):
    _submit(client_user, answers=LOW)
    flag = TrustFlag.objects.first()
    flag_resolve(actor=supervisor, flag=flag, note="Talked with both")
    sign_in(client, supervisor)
    response = client.post(
        reverse("coaching:flag_resolve", args=[flag.pk]), {"note": "Again"}, follow=True
    )
    assert "already resolved" in response.content.decode()
    flag.refresh_from_db()
    assert flag.resolution_note == "Talked with both"
