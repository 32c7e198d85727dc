"""What a check-in POST costs (issue 30, point 1): the same few statements
whatever the client's history, each read once, the lock, the audit row and
the flags kept."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment
from coaching.models import CheckIn, TrustFlag
from tests.helpers import GOOD, LOW, _requested, count_queries, sign_in

# Between sessions: the session and its person, the relationship locked,
# what the check is made against (the last check-in between sessions and the
# relationship's latest scores, one read), the check-in, the coach's figures
# for the day (one upsert: coaching/services/figures.py), its audit row, the
# thank-you message in the session row (+ the transaction's SAVEPOINT and
# RELEASE in a test; BEGIN and COMMIT in production are not counted by
# Django). It was 9 before the figures: the two reads were two statements.
BETWEEN_SESSIONS_STATEMENTS = 9
# About a session: the session and its person, the request read (404 for
# another's), the request locked, the scores, the check-in, the coach's
# figures for the day, the request marked answered, the audit row, the
# message (+ SAVEPOINT and RELEASE).
ABOUT_A_SESSION_STATEMENTS = 11


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
@pytest.mark.parametrize("weeks", [1, 40])
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
@pytest.mark.parametrize("weeks", [1, 40])
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
