"""People: admins change a staff member's role or team, and whether someone
may sign in, on a page of the app, through audited services; never around
them (the Django admin shows these fields read-only, tests/accounts/test_admin.py)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, CaseloadAssignment, Invitation, LoginSession, Role, User
from accounts.models.login_sessions import session_key_digest
from accounts.selectors.people import people_managed_by
from accounts.services.people import user_deactivate, user_role_change, user_team_change
from tests.conftest import make_user
from tests.helpers import count_queries, sign_in


def _change(client, person, **data):
    return client.post(reverse("accounts:person_change"), {"person": person.pk, **data})


def _access(client, person, access):
    return client.post(reverse("accounts:person_access"), {"person": person.pk, "access": access})


def _followed(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"]).content.decode()


@pytest.fixture
def second_admin(db):
    return make_user("morgan@example.org", Role.ADMIN, name="Morgan Admin")


@pytest.mark.django_db
def test_the_people_page_lists_staff_and_clients_for_an_admin(
    client, admin_user, coach, client_user, supervisor
):
    sign_in(client, admin_user)
    assert 'href="/manage/people/"' in client.get(reverse("accounts:manage")).content.decode()
    staff = client.get(reverse("accounts:people")).content.decode()
    assert coach.display_name in staff and supervisor.display_name in staff
    assert client_user.display_name not in staff
    clients = client.get(reverse("accounts:people"), {"who": "clients"}).content.decode()
    assert client_user.display_name in clients and coach.display_name not in clients
    found = client.get(reverse("accounts:people"), {"q": "casey"}).content.decode()
    assert coach.display_name in found and supervisor.display_name not in found
    assert client.get(reverse("accounts:people"), {"who": "everyone"}).status_code == 400


@pytest.mark.django_db
def test_people_managed_by_gives_an_admin_everyone_and_anyone_else_nobody(
    admin_user, coach, client_user, supervisor
):
    everyone = set(User.objects.values_list("pk", flat=True))
    assert set(people_managed_by(admin_user).values_list("pk", flat=True)) == everyone
    for person in (coach, client_user, supervisor):
        assert not people_managed_by(person).exists()
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    admin_user.refresh_from_db()
    assert not people_managed_by(admin_user).exists()


@pytest.mark.django_db
def test_the_people_page_costs_the_same_queries_with_1_or_50_people(client, admin_user, coach):
    sign_in(client, admin_user)
    url = reverse("accounts:people")
    client.get(url)  # the first request of a login records the session
    small, response = count_queries(client.get, url)
    assert response.status_code == 200
    for number in range(50):
        User.objects.create(email=f"coach{number}@example.org", role=Role.COACH, team=coach.team)
    large, response = count_queries(client.get, url)
    assert response.status_code == 200
    assert small == large


@pytest.mark.django_db
def test_an_admin_moves_a_coach_to_another_team_and_it_is_audited(
    client, admin_user, coach, client_user, other_team
):
    sign_in(client, admin_user)
    page = _followed(client, _change(client, coach, role="coach", team=other_team.pk))
    assert "Casey Rivera is now in South. Their 1 client moved with them." in page
    coach.refresh_from_db()
    assert coach.team == other_team
    event = AuditEvent.objects.get(action="user.team_change")
    assert (event.actor, event.object_id, event.client) == (admin_user, str(coach.pk), None)


@pytest.mark.django_db
def test_an_admin_makes_a_supervisor_a_coach_and_it_is_audited(
    client, admin_user, supervisor, other_team
):
    sign_in(client, admin_user)
    page = _followed(client, _change(client, supervisor, role="coach", team=other_team.pk))
    assert "Sam Supervisor is now a coach." in page
    supervisor.refresh_from_db()
    assert (supervisor.role, supervisor.team) == (Role.COACH, other_team)
    event = AuditEvent.objects.get(action="user.role_change")
    assert (event.actor, event.object_id) == (admin_user, str(supervisor.pk))


@pytest.mark.django_db
def test_an_admin_made_a_coach_leaves_the_team_field_empty_no_more(
    client, admin_user, second_admin, team
):
    sign_in(client, admin_user)
    response = _change(client, second_admin, role="coach", team="")
    assert response.status_code == 400
    assert "Choose the team this person belongs to." in response.content.decode()
    response = _change(client, second_admin, role="admin", team="")
    assert response.status_code == 400
    assert "Nothing to change" in response.content.decode()
    second_admin.refresh_from_db()
    assert (second_admin.role, second_admin.team) == (Role.ADMIN, None)
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


@pytest.mark.django_db
def test_a_coach_with_active_clients_keeps_their_role_until_the_clients_are_reassigned(
    client, admin_user, coach, client_user
):
    sign_in(client, admin_user)
    page = client.get(reverse("accounts:person", args=[coach.pk])).content.decode()
    assert "once their 1 client has another coach" in page
    response = _change(client, coach, role="supervisor", team=coach.team_id)
    assert response.status_code == 400
    assert "Casey Rivera still works with 1 client. Reassign them" in response.content.decode()
    coach.refresh_from_db()
    assert coach.role == Role.COACH
    # Once the client has moved on, the change goes through.
    CaseloadAssignment.objects.filter(coach=coach).update(ended_at=timezone.now())
    assert _change(client, coach, role="supervisor", team=coach.team_id).status_code == 302
    coach.refresh_from_db()
    assert coach.role == Role.SUPERVISOR


@pytest.mark.django_db
def test_a_clients_account_cannot_become_staff_nor_staff_a_client(
    client, admin_user, coach, client_user, team
):
    sign_in(client, admin_user)
    page = client.get(reverse("accounts:person", args=[client_user.pk])).content.decode()
    assert "Save role and team" not in page
    response = _change(client, client_user, role="coach", team=team.pk)
    assert response.status_code == 400
    assert "A client&#x27;s role and team cannot be changed." in response.content.decode()
    with pytest.raises(ValidationError, match="cannot become a staff account"):
        user_role_change(actor=admin_user, user=client_user, role=Role.COACH, team=team)
    with pytest.raises(ValidationError, match="Choose coach, supervisor or admin"):
        user_role_change(actor=admin_user, user=coach, role=Role.CLIENT)
    client_user.refresh_from_db()
    coach.refresh_from_db()
    assert (client_user.role, coach.role) == (Role.CLIENT, Role.COACH)


@pytest.mark.django_db
def test_deactivating_someone_signs_them_out_everywhere_and_revokes_their_invitations(
    client, admin_user, coach, client_user, mailbox
):
    coach_browser = type(client)()
    sign_in(coach_browser, coach)
    coach_browser.post(reverse("accounts:invitation_create"), {"email": "kim@example.org"})
    assert LoginSession.objects.filter(user=coach).exists()
    key = coach_browser.session.session_key

    sign_in(client, admin_user)
    page = _followed(client, _access(client, coach, "deactivate"))
    assert "Casey Rivera is deactivated and signed out everywhere." in page
    assert "They still have 1 client: their supervisor should reassign them." in page
    assert not LoginSession.objects.filter(session_key=session_key_digest(key)).exists()
    response = coach_browser.get(reverse("coaching:coach_home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Invitation.objects.get(invited_by=coach).status == "revoked"
    assert AuditEvent.objects.filter(
        actor=admin_user, action="user.deactivate", object_id=str(coach.pk)
    ).exists()
    # Their client keeps the relationship for a supervisor to reassign.
    assert CaseloadAssignment.objects.filter(coach=coach, ended_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_reactivated_person_can_sign_in_again_and_it_is_audited(client, admin_user, coach):
    user_deactivate(actor=admin_user, user=coach)
    sign_in(client, admin_user)
    page = _followed(client, _access(client, coach, "reactivate"))
    assert "Casey Rivera can sign in again." in page
    coach.refresh_from_db()
    assert coach.is_active
    assert AuditEvent.objects.filter(actor=admin_user, action="user.activate").exists()
    page = _followed(client, _access(client, coach, "reactivate"))
    assert "Casey Rivera is already active." in page


@pytest.mark.django_db
def test_an_admin_cannot_deactivate_or_demote_themselves(client, admin_user, second_admin, team):
    sign_in(client, admin_user)
    page = client.get(reverse("accounts:person", args=[admin_user.pk])).content.decode()
    assert "You cannot change your own role or access" in page
    page = _followed(client, _access(client, admin_user, "deactivate"))
    assert "You cannot deactivate your own account: ask another admin." in page
    response = _change(client, admin_user, role="supervisor", team=team.pk)
    assert response.status_code == 400
    assert "You cannot change your own role: ask another admin." in response.content.decode()
    admin_user.refresh_from_db()
    assert (admin_user.role, admin_user.is_active) == (Role.ADMIN, True)


@pytest.mark.django_db
def test_two_admins_removing_each_other_at_once_leave_one_active_admin(
    admin_user, second_admin, team
):
    # Each acts on the page as they loaded it: the second to act is no
    # longer an admin by then, and is refused.
    stale_second = User.objects.get(pk=second_admin.pk)
    user_deactivate(actor=admin_user, user=second_admin)
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=stale_second, user=admin_user)
    with pytest.raises(PermissionDenied):
        user_role_change(actor=stale_second, user=admin_user, role=Role.SUPERVISOR, team=team)
    assert list(User.objects.filter(role=Role.ADMIN, is_active=True)) == [admin_user]


@pytest.mark.django_db
def test_only_an_active_admin_changes_roles_teams_or_access(
    coach, supervisor, client_user, other_team
):
    for actor in (coach, supervisor, client_user):
        for change in (
            lambda actor=actor: user_team_change(actor=actor, user=coach, team=other_team),
            lambda actor=actor: user_role_change(actor=actor, user=supervisor, role=Role.ADMIN),
            lambda actor=actor: user_deactivate(actor=actor, user=client_user),
        ):
            with pytest.raises(PermissionDenied):
                change()
    coach.refresh_from_db()
    supervisor.refresh_from_db()
    client_user.refresh_from_db()
    assert coach.team_id != other_team.pk and supervisor.role == Role.SUPERVISOR
    assert client_user.is_active


@pytest.mark.django_db
def test_bad_access_input_gets_a_message_and_changes_nothing(client, admin_user, coach):
    sign_in(client, admin_user)
    page = _followed(client, _access(client, coach, "delete"))
    assert "Choose whether to deactivate or reactivate this account." in page
    coach.refresh_from_db()
    assert coach.is_active
    assert client.get(reverse("accounts:person", args=[999999])).status_code == 404
    response = client.post(reverse("accounts:person_access"), {"access": "deactivate"})
    assert "Choose the person to change." in _followed(client, response)
    response = client.post(
        reverse("accounts:person_access"), {"person": 999999, "access": "deactivate"}
    )
    assert response.status_code == 404
    coach.refresh_from_db()
    assert coach.is_active
