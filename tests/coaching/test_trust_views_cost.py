"""What a check-in POST costs (issue 30, point 1): the same few statements
whatever the client's history, each read once, the lock, the audit row and
the flags kept."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from coaching.models import CheckIn, SupervisorRequest, TrustFlag
from tests.helpers import GOOD, LOW, _requested, count_queries, sign_in

# Between sessions: the session and its person, the relationship locked
# with what the check is made against (the last check-in between sessions
# and the relationship's latest scores) and the coach's team, then every
# write in one statement (the check-in, the coach's figures for the day,
# the flags it raises, the private request, their audit rows:
# coaching/services/trust_sql.py), the thank-you message in the session row
# (+ the transaction's SAVEPOINT and RELEASE in a test; BEGIN and COMMIT in
# production are not counted by Django). It was 9: the history read apart,
# the check-in, the figures and the audit row one statement each.
BETWEEN_SESSIONS_STATEMENTS = 6
# About a session: the same, the request read once, locked (404 for
# another's), and marked answered in the one write. It was 11: the request
# read for the 404 and again for the lock.
ABOUT_A_SESSION_STATEMENTS = 6


def _post(answers=GOOD):
    return {name: str(value) for name, value in answers.items()}


def _history(client_user, weeks: int) -> None:
    """A check-in between sessions every week for `weeks` weeks, each as
    good as GOOD (no drop from the usual, so no flag)."""
    assignment = CaseloadAssignment.objects.get(client=client_user, ended_at__isnull=True)
    for week in range(weeks, 0, -1):
        CheckIn.objects.create(
            assignment=assignment,
            client=client_user,
            coach=assignment.coach,
            created_at=timezone.now() - timedelta(weeks=week, hours=1),
            **GOOD,
        )


def _checkin_between(client, client_user, answers=GOOD):
    sign_in(client, client_user)
    client.get(reverse("coaching:client_home"))  # the login's first request records it
    queries, response = count_queries(client.post, reverse("coaching:checkin_new"), _post(answers))
    assert response.status_code == 302
    return queries


@pytest.mark.django_db
@pytest.mark.parametrize("weeks", [1, 50])
def test_a_check_in_between_sessions_costs_the_same_whatever_the_history(
    client, client_user, weeks
):
    _history(client_user, weeks)
    assert _checkin_between(client, client_user) == BETWEEN_SESSIONS_STATEMENTS
    assert CheckIn.objects.filter(client=client_user).count() == weeks + 1
    assert AuditEvent.objects.filter(action="checkin.submit", client_id=client_user.pk).count() == 1


@pytest.mark.django_db
def test_a_drop_from_the_clients_usual_scores_still_raises_a_flag_after_a_long_history(
    client, client_user
):
    """The baseline is the mean of the latest scores, read once."""
    _history(client_user, 40)
    _checkin_between(client, client_user, answers=LOW)
    rules = set(TrustFlag.objects.filter(client=client_user).values_list("rule", flat=True))
    assert "drop" in rules and "low_score" in rules


@pytest.mark.django_db
def test_a_second_check_in_within_the_week_is_still_refused(client, client_user):
    _history(client_user, 1)
    CheckIn.objects.filter(client=client_user).update(created_at=timezone.now() - timedelta(days=2))
    sign_in(client, client_user)
    response = client.post(reverse("coaching:checkin_new"), _post())
    assert response.status_code == 409
    assert CheckIn.objects.filter(client=client_user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("weeks", [1, 50])
def test_a_check_in_about_a_session_costs_the_same_whatever_the_history(
    client, coach, client_user, weeks
):
    _history(client_user, weeks)
    request = _requested(coach, client_user)
    sign_in(client, client_user)
    client.get(reverse("coaching:client_home"))
    url = reverse("coaching:checkin_new") + f"?session={request.session_id}"
    queries, response = count_queries(client.post, url, _post())
    assert response.status_code == 302
    assert queries == ABOUT_A_SESSION_STATEMENTS
    request.refresh_from_db()
    assert request.checkin.score == 88 and request.token_digest == ""


@pytest.mark.django_db
@pytest.mark.parametrize("weeks", [1, 50])
def test_a_low_check_in_asking_for_a_supervisor_costs_the_same_and_writes_it_all(
    client, client_user, weeks
):
    """The flags, the private request and every audit row go in the one write."""
    _history(client_user, weeks)
    sign_in(client, client_user)
    client.get(reverse("coaching:client_home"))
    data = {**_post(LOW), "talk_to_supervisor": "on", "message": "Please call"}
    queries, response = count_queries(client.post, reverse("coaching:checkin_new"), data)
    assert response.status_code == 302
    assert queries == BETWEEN_SESSIONS_STATEMENTS
    checkin = CheckIn.objects.filter(client=client_user).latest("created_at")
    rules = set(TrustFlag.objects.filter(checkin=checkin).values_list("rule", flat=True))
    # A drop from their usual needs a usual: three earlier scores.
    assert rules == {"low_score", "low_item"} | ({"drop"} if weeks >= 3 else set())
    private = SupervisorRequest.objects.get(checkin=checkin)
    assert private.message == "Please call"
    response_id = response["X-Request-ID"]
    actions = AuditEvent.objects.filter(request_id=response_id).values_list("action", flat=True)
    assert sorted(actions) == [
        "checkin.submit",
        "supervisor_request.create",
        *["trust_flag.raise"] * len(rules),
    ]


@pytest.mark.django_db
def test_a_check_in_about_another_clients_session_is_not_found_and_writes_nothing(
    client, coach, client_user, other_client
):
    request = _requested(coach, client_user)
    sign_in(client, other_client)
    url = reverse("coaching:checkin_new") + f"?session={request.session_id}"
    assert client.post(url, _post()).status_code == 404
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_a_check_in_about_a_session_answered_already_is_closed(client, coach, client_user):
    request = _requested(coach, client_user)
    sign_in(client, client_user)
    url = reverse("coaching:checkin_new") + f"?session={request.session_id}"
    assert client.post(url, _post()).status_code == 302
    assert client.post(url, _post(LOW)).status_code == 410
    assert CheckIn.objects.filter(client=client_user).count() == 1
