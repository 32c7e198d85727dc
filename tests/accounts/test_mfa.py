import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import AuditEvent, Role
from common.crypto import decrypt
from tests.conftest import PASSWORD, make_user
from tests.helpers import sign_in, totp_code

SECRET = "JBSWY3DPEHPK3PXP"  # what tests.helpers.enable_totp sets
STAFF_HOMES = {
    Role.COACH: "coaching:coach_home",
    Role.SUPERVISOR: "accounts:team",
    Role.ADMIN: "accounts:manage",
}


def _password_step(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(STAFF_HOMES))
def test_staff_without_mfa_must_set_it_up_before_seeing_anything(client, role, team):
    user = make_user("new@example.org", role, team=team if role != Role.ADMIN else None, totp=False)
    sign_in(client, user, mfa=False)
    response = client.get(reverse(STAFF_HOMES[role]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(STAFF_HOMES))
def test_staff_with_mfa_must_have_used_it_in_this_login(client, role, team):
    user = make_user("new@example.org", role, team=team if role != Role.ADMIN else None)
    sign_in(client, user, mfa=False)
    response = client.get(reverse(STAFF_HOMES[role]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    sign_in(client, user, mfa=True)
    assert client.get(reverse(STAFF_HOMES[role])).status_code == 200


@pytest.mark.django_db
def test_clients_do_not_need_mfa(client, client_user):
    sign_in(client, client_user, mfa=False)
    assert client.get(reverse("coaching:client_home")).status_code == 200


@pytest.mark.django_db
def test_login_asks_staff_for_a_code_and_accepts_the_right_one(client, coach):
    response = _password_step(client, coach)
    assert response["Location"] == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(SECRET)})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(coach.pk)
    assert client.get(reverse("coaching:coach_home")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_does_not_sign_in(client, coach):
    _password_step(client, coach)
    right = totp_code(SECRET)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_code_cannot_be_replayed(client, coach):
    code = totp_code(SECRET)
    _password_step(client, coach)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.session[SESSION_KEY] == str(coach.pk)
    client.post("/accounts/logout/")

    _password_step(client, coach)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert SESSION_KEY not in client.session
    assert "Incorrect code" in response.content.decode()


# Real commits: allauth announces the new authenticator on commit, inside the view.
@pytest.mark.django_db(transaction=True)
def test_setting_up_totp_lets_staff_in_and_stores_the_secret_encrypted(client, team):
    coach = make_user("new@example.org", Role.COACH, team=team, totp=False)
    sign_in(client, coach, mfa=False)
    session = client.session
    session["account_authentication_methods"][0]["reauthenticated"] = True
    session.save()
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("coaching:coach_home")).status_code == 200

    stored = Authenticator.objects.get(user=coach, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored

    assert decrypt(stored) == secret


@pytest.mark.django_db
def test_the_admin_site_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_admin_site_needs_the_admin_role_and_mfa(client, admin_user, coach):
    sign_in(client, admin_user, mfa=False)
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_reauthenticate"))
    sign_in(client, admin_user, mfa=True)
    assert client.get("/admin/").status_code == 200
    sign_in(client, coach, mfa=True)
    assert client.get("/admin/", follow=True).status_code == 403


@pytest.mark.django_db
def test_a_staff_login_is_audited_with_its_second_factor(client, coach):

    _password_step(client, coach)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(SECRET)})
    actions = set(AuditEvent.objects.filter(actor=coach).values_list("action", flat=True))
    assert {"auth.login", "auth.mfa_totp"} <= actions
