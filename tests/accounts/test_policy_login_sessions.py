"""Sessions are their person's alone: for every kind of person the scope
holds exactly their own sessions; an inactive person has none."""

import pytest
from django.test import Client

from accounts.models import LoginSession
from accounts.policy.login_sessions import login_session_scope
from tests.helpers import sign_in


@pytest.mark.django_db
def test_everyone_sees_their_own_sessions_and_nobody_elses(
    client_user, other_client, coach, other_coach, supervisor, admin_user
):
    people = [client_user, other_client, coach, other_coach, supervisor, admin_user]
    for person in people:
        sign_in(Client(), person)
    for person in people:
        scoped = LoginSession.objects.filter(login_session_scope(person))
        assert set(scoped.values_list("user_id", flat=True)) == {person.pk}, person.email
    # Made inactive behind the app's back (its rows are still there): none.
    type(coach).objects.filter(pk=coach.pk).update(is_active=False)
    coach.refresh_from_db()
    assert LoginSession.objects.filter(user=coach).exists()
    assert not LoginSession.objects.filter(login_session_scope(coach)).exists()
