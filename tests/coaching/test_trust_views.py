"""Trust check-ins: asking, answering (signed in or by the emailed link),
bad input, flags and their workflow, and the private channel to a supervisor."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import get_resolver, reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from coaching.models import CheckIn, SupervisorRequest, TrustFlag
from coaching.services.trust import checkin_link_issue, checkin_requests_expire
from sessions_log.models import Reminder
from sessions_log.services.outbox import reminder_deliver, reminders_sweep
from tests.conftest import make_user
from tests.helpers import (
    CANARY,
    GOOD,
    LOW,
    PAGE_STATEMENTS,
    _requested,
    _submit,
    count_queries,
    first_link,
    sign_in,
)


def _post(answers=GOOD, **extra):
    return {**{name: str(value) for name, value in answers.items()}, **extra}


# ----------------------------------------------------------- answering


@pytest.mark.django_db
def test_completing_a_session_asks_the_client_for_a_check_in(client, coach, client_user):
    request = _requested(coach, client_user)
    assert request.is_open and request.client == client_user
    assert request.expires_at - request.created_at == timedelta(days=7)
    assert Reminder.objects.filter(session=request.session, kind="checkin_request").exists()
    sign_in(client, client_user)
    home = client.get(reverse("coaching:client_home")).content.decode()
    assert f"?session={request.session_id}" in home


@pytest.mark.django_db
def test_a_client_answers_and_their_coach_sees_the_score(client, coach, client_user):
    request = _requested(coach, client_user)
    sign_in(client, client_user)
    url = reverse("coaching:checkin_new") + f"?session={request.session_id}"
    assert client.get(url).status_code == 200
    response = client.post(url, _post(comment="Felt good today"))
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.score, checkin.session_id, checkin.coach) == (88, request.session_id, coach)
    assert AuditEvent.objects.filter(action="checkin.submit", actor=client_user).exists()

    sign_in(client, coach)
    caseload = client.get(reverse("coaching:coach_home")).content.decode()
    assert re.search(r"<td>88 <span", caseload)
    timeline = client.get(reverse("coaching:client_timeline", args=[client_user.pk]))
    assert "Felt good today" in timeline.content.decode()


@pytest.mark.django_db
def test_the_emailed_link_opens_only_the_form_once_and_signs_nobody_in(
    client, mailbox, coach, client_user
):
    request = _requested(coach, client_user)
    reminder = Reminder.objects.get(session=request.session, kind="checkin_request")
    Reminder.objects.filter(pk=reminder.pk).update(next_attempt_at=timezone.now())
    reminders_sweep()
    reminder.refresh_from_db()
    assert (
        reminder_deliver(reminder_id=reminder.pk, lease_token=str(reminder.lease_token)) == "sent"
    )
    link = first_link(mailbox[0], r"http://testserver/checkins/link/\S+/")
    path = link.removeprefix("http://testserver")

    page = client.get(path).content.decode()
    assert 'name="heard"' in page
    for private in (client_user.display_name, "Robin", client_user.email, "Casey"):
        assert private not in page
    assert client.post(path, _post()).status_code == 200
    assert CheckIn.objects.filter(client=client_user).count() == 1
    assert client.get(reverse("coaching:my_checkins")).status_code == 302  # not signed in

    again = client.post(path, _post())
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_link_is_refused_and_writes_nothing(client, coach, client_user):
    request = _requested(coach, client_user)
    token = checkin_link_issue(session=request.session)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.post(reverse("coaching:checkin_by_link", args=[token]), _post())
    assert response.status_code == 410
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        _post({**GOOD, "safe": 11}),
        _post({**GOOD, "safe": -1}),
        _post({**GOOD, "safe": "seven"}),
        {name: "5" for name in ("heard", "safe", "focus", "trust")},  # one missing
    ],
)
def test_bad_answers_are_named_and_nothing_is_written(client, client_user, coach, data):
    sign_in(client, client_user)
    response = client.post(reverse("coaching:checkin_new"), data)
    assert response.status_code == 400
    assert "Choose a number from 0 to 10." in response.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_a_second_check_in_for_the_same_session_is_refused(client, coach, client_user):
    request = _requested(coach, client_user)
    _submit(client_user, request)
    with pytest.raises(ValidationError, match="already been answered"):
        _submit(client_user, request)
    sign_in(client, client_user)
    url = reverse("coaching:checkin_new") + f"?session={request.session_id}"
    assert client.post(url, _post()).status_code == 410
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_a_check_in_for_someone_elses_session_posted_by_hand_is_a_404(
    client, client_user, other_coach, other_client
):
    theirs = _requested(other_coach, other_client)
    sign_in(client, client_user)
    url = reverse("coaching:checkin_new") + f"?session={theirs.session_id}"
    assert client.post(url, _post()).status_code == 404
    assert client.get(reverse("coaching:checkin_new") + "?session=abc").status_code == 404
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_between_sessions_a_client_checks_in_at_most_once_a_week(client, coach, client_user):
    sign_in(client, client_user)
    assert client.post(reverse("coaching:checkin_new"), _post()).status_code == 302
    refused = client.post(reverse("coaching:checkin_new"), _post())
    assert refused.status_code == 409 and "less than a week ago" in refused.content.decode()
    assert CheckIn.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        sign_in(client, client_user)
        assert client.post(reverse("coaching:checkin_new"), _post()).status_code == 302
    assert CheckIn.objects.count() == 2


@pytest.mark.django_db
def test_the_comment_and_the_private_message_are_encrypted_at_rest(coach, client_user):
    _submit(client_user, comment="COMMENT-PLAINTEXT", talk_to_supervisor=True, message=CANARY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM coaching_checkin")
        (comment,) = cursor.fetchone()
        cursor.execute("SELECT message FROM coaching_supervisorrequest")
        (message,) = cursor.fetchone()
    assert "COMMENT-PLAINTEXT" not in comment and comment.startswith("gAAAA")
    assert "CANARY" not in message and message.startswith("gAAAA")
    assert CheckIn.objects.get().comment == "COMMENT-PLAINTEXT"


# ------------------------------------------------------------------ flags


@pytest.mark.django_db
def test_a_low_check_in_raises_flags_the_coach_and_supervisor_see(
    client, coach, supervisor, client_user
):
    _submit(client_user, answers=LOW)
    flags = {flag.rule: flag for flag in TrustFlag.objects.all()}
    assert set(flags) == {"low_score", "low_item"}
    assert flags["low_score"].detail == "Score 60"
    for viewer in (coach, supervisor):
        sign_in(client, viewer)
        page = client.get(reverse("coaching:client_timeline", args=[client_user.pk]))
        assert "Low score: Score 60" in page.content.decode()
    sign_in(client, supervisor)
    assert "Score 60" in client.get(reverse("coaching:supervision")).content.decode()


@pytest.mark.django_db
def test_a_rule_keeps_one_unresolved_flag_per_relationship(coach, client_user):
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        _submit(client_user, answers=LOW)
    _submit(client_user, answers=LOW)
    assert TrustFlag.objects.filter(rule="low_score").count() == 1


@pytest.mark.django_db
def test_a_drop_below_the_clients_own_baseline_is_flagged(coach, client_user):
    for weeks in (4, 3, 2):
        with time_machine.travel(timezone.now() - timedelta(weeks=weeks)):
            _submit(client_user, answers={name: 10 for name in GOOD})  # 100
    _submit(client_user, answers=GOOD)  # 88: 12 below
    flag = TrustFlag.objects.get()
    assert flag.rule == "drop" and "12 below their usual 100" in flag.detail


@pytest.mark.django_db
def test_a_new_coach_starts_a_new_relationship_and_baseline(coach, client_user, other_coach):
    for weeks in (4, 3, 2):
        with time_machine.travel(timezone.now() - timedelta(weeks=weeks)):
            _submit(client_user, answers={name: 10 for name in GOOD})
    CaseloadAssignment.objects.filter(client=client_user).update(ended_at=timezone.now())
    CaseloadAssignment.objects.create(coach=other_coach, client=client_user)
    _submit(client_user, answers=GOOD)
    assert not TrustFlag.objects.exists()  # no baseline yet with the new coach
    from coaching.selectors.trust import checkins_visible_to

    assert list(checkins_visible_to(other_coach).values_list("score", flat=True)) == [88]
    assert not checkins_visible_to(coach).exists()


@pytest.mark.django_db
def test_three_requests_left_unanswered_raise_a_flag(coach, client_user):
    requests = [_requested(coach, client_user) for _ in range(3)]
    _submit(client_user, requests[0])
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert checkin_requests_expire() == 2
        assert not TrustFlag.objects.exists()  # one of the three was answered
        more = _requested(coach, client_user)
    with time_machine.travel(timezone.now() + timedelta(days=16)):
        assert checkin_requests_expire() == 1
    assert more.pk and TrustFlag.objects.get().rule == "unanswered"


@pytest.mark.django_db
def test_a_flag_is_acknowledged_then_resolved_with_a_note_each_step_audited(
    client, coach, supervisor, client_user
):
    _submit(client_user, answers=LOW)
    flag = TrustFlag.objects.get(rule="low_score")
    sign_in(client, coach)
    client.post(reverse("coaching:flag_acknowledge", args=[flag.pk]))
    flag.refresh_from_db()
    assert (flag.status, flag.acknowledged_by) == ("acknowledged", coach)
    # The coach saw it; closing it is for their supervisor.
    refused = client.post(reverse("coaching:flag_resolve", args=[flag.pk]), {"note": "Done"})
    assert refused.status_code == 403
    flag.refresh_from_db()
    assert flag.status == "acknowledged"

    sign_in(client, supervisor)

    empty = client.post(
        reverse("coaching:flag_resolve", args=[flag.pk]), {"note": "  "}, follow=True
    )
    assert "Say what was done about it." in empty.content.decode()
    flag.refresh_from_db()
    assert flag.status == "acknowledged"

    client.post(reverse("coaching:flag_resolve", args=[flag.pk]), {"note": "We talked it through"})
    flag.refresh_from_db()
    assert (flag.status, flag.resolution_note) == ("resolved", "We talked it through")
    actions = set(
        AuditEvent.objects.filter(object_type="trustflag").values_list("action", flat=True)
    )
    assert {"trust_flag.raise", "trust_flag.acknowledge", "trust_flag.resolve"} <= actions


@pytest.mark.django_db
def test_another_teams_staff_get_a_404_for_a_flag(
    client, coach, client_user, other_coach, other_team
):
    _submit(client_user, answers=LOW)
    flag = TrustFlag.objects.first()
    sign_in(client, other_coach)
    assert client.post(reverse("coaching:flag_acknowledge", args=[flag.pk])).status_code == 404
    sign_in(client, make_user("pat@example.org", "supervisor", team=other_team))
    assert client.post(reverse("coaching:flag_acknowledge", args=[flag.pk])).status_code == 404
    assert (
        client.post(reverse("coaching:flag_resolve", args=[flag.pk]), {"note": "x"}).status_code
        == 404
    )
    flag.refresh_from_db()
    assert flag.status == "open"


# --------------------------------------------------- the private channel


def _walk(patterns, prefix):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            namespace = pattern.namespace or ""
            if namespace in ("admin", "") and str(pattern.pattern).startswith(
                ("admin", "accounts/")
            ):
                continue  # Django admin and allauth: no coaching data there
            yield from _walk(pattern.url_patterns, f"{namespace}:" if namespace else prefix)
        elif pattern.name:
            yield prefix + pattern.name, pattern.pattern.converters


def _pages_a_coach_can_reach(client, ids):
    pages = {}
    for name, converters in _walk(get_resolver().url_patterns, ""):
        if any(type(converter).__name__ != "IntConverter" for converter in converters.values()):
            continue  # token URLs: their secrets are not the coach's
        candidates = [[]] if not converters else [[pk] for pk in ids]
        for args in candidates:
            response = client.get(reverse(name, args=args))
            if response.status_code == 200:
                # What changes with the clock alone: the form token, and how
                # many seconds late a due reminder is (healthz).
                page = re.sub(
                    r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()
                )
                pages[(name, tuple(args))] = re.sub(
                    r'"oldest_due_reminder_seconds_late": \d+', "", page
                )
    return pages


@pytest.mark.django_db
def test_a_private_request_reaches_the_supervisor_and_leaves_no_trace_for_the_coach(
    client, mailbox, coach, supervisor, client_user, other_coach
):
    request = _requested(coach, client_user)
    checkin = _submit(client_user, request, answers=LOW, comment="Sessions feel rushed")
    sign_in(client, coach)
    ids = sorted(
        {
            client_user.pk,
            request.session_id,
            checkin.pk,
            *TrustFlag.objects.values_list("pk", flat=True),
        }
    )
    before = _pages_a_coach_can_reach(client, ids)
    assert ("coaching:client_timeline", (client_user.pk,)) in before

    # The same check-in, now with a private request to talk with a supervisor.
    private = SupervisorRequest.objects.create(
        client=client_user, coach=coach, team=coach.team, checkin=checkin, message=CANARY
    )
    after = _pages_a_coach_can_reach(client, ids)
    assert after.keys() == before.keys()
    for key, page in after.items():
        assert CANARY not in page and "supervisor about" not in page, key
        assert page == before[key], f"{key} changes when a private request exists"

    sign_in(client, supervisor)
    supervision = client.get(reverse("coaching:supervision")).content.decode()
    assert CANARY in supervision
    sign_in(client, other_coach)
    assert (
        client.post(reverse("coaching:supervisor_request_handle", args=[private.pk])).status_code
        == 403
    )

    assert all(CANARY not in message.as_string() for message in mailbox)
    for row in AuditEvent.objects.values_list():
        assert all(CANARY not in str(value) for value in row)


@pytest.mark.django_db
def test_the_request_goes_only_to_the_coachs_own_team(client, coach, client_user, other_team):
    _submit(client_user, talk_to_supervisor=True, message=CANARY)
    elsewhere = make_user("pat@example.org", "supervisor", team=other_team)
    sign_in(client, elsewhere)
    assert CANARY not in client.get(reverse("coaching:supervision")).content.decode()


@pytest.mark.django_db
def test_a_supervisor_takes_a_request_once(client, coach, supervisor, client_user):
    _submit(client_user, talk_to_supervisor=True, message=CANARY)
    private = SupervisorRequest.objects.get()
    sign_in(client, supervisor)
    client.post(reverse("coaching:supervisor_request_handle", args=[private.pk]))
    private.refresh_from_db()
    assert private.handled_by == supervisor
    again = client.post(
        reverse("coaching:supervisor_request_handle", args=[private.pk]), follow=True
    )
    assert "already taken" in again.content.decode()


# ------------------------------------------------------------------ pages


@pytest.mark.django_db
def test_the_client_sees_their_history_as_a_chart_and_a_table(client, coach, client_user):
    for weeks, answers in ((2, GOOD), (1, LOW)):
        with time_machine.travel(timezone.now() - timedelta(weeks=weeks)):
            _submit(client_user, answers=answers)
    sign_in(client, client_user)
    page = client.get(reverse("coaching:my_checkins")).content.decode()
    assert '<svg viewBox="0 0 600 180" role="img"' in page
    assert "Your check-in scores, oldest first: 88, 60" in page
    assert re.search(r"<td>88</td>.*<td>60</td>", page, re.S)


@pytest.mark.django_db
def test_the_caseload_query_count_does_not_grow_with_clients_or_check_ins(
    client, coach, client_user, steady_session
):
    sign_in(client, coach)
    url = reverse("coaching:coach_home")
    _submit(client_user)
    client.get(url)  # the first request of a login records its user session
    few, _ = count_queries(client.get, url)
    for index in range(6):
        person = make_user(f"p{index}@example.org", "client")
        CaseloadAssignment.objects.create(coach=coach, client=person)
        for weeks in (3, 2, 1):
            with time_machine.travel(timezone.now() - timedelta(weeks=weeks)):
                _submit(person, answers=LOW)
    client.get(url)  # the login's first requests write its session; then none (steady_session)
    many, response = count_queries(client.get, url)
    assert few == many <= PAGE_STATEMENTS
    assert response.content.decode().count('class="sparkline"') == 7


@pytest.mark.django_db
def test_checking_in_between_sessions_takes_at_most_10_statements(client, client_user):
    sign_in(client, client_user)
    client.get(reverse("coaching:client_home"))  # the login's first request records it
    queries, response = count_queries(client.post, reverse("coaching:checkin_new"), _post())
    assert response.status_code == 302
    assert CheckIn.objects.get(client=client_user).score == 88
    # The thank-you message is kept in the session on the server (not a
    # cookie): one UPDATE of the session row, counted here.
    assert queries <= PAGE_STATEMENTS
