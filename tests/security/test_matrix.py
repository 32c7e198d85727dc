"""The authorization matrix, generated from the URL resolver.

Every URL pattern x {anonymous, client, another client, coach, another coach,
supervisor, another team's supervisor, admin} x {their side's object, the
other side's object} has an expected answer. A URL pattern missing from the
tables below fails `test_every_url_has_an_entry`, so a new page cannot ship
unguarded.

Two sides: North (client Robin, coach Casey, supervisor Sam) and South
(client Riley, coach Jordan, supervisor Pat). An object belongs to one side;
admins belong to neither and see every team's review pages.
"""

import pytest
from django.urls import get_resolver, reverse

from tests.helpers import sign_in

SUCCESS = {200, 302, 400, 409, 410}  # a page, or a form's answer to an empty post

# name -> (method, roles allowed, the object in the URL: None or a kind)
MATRIX = {
    "home": ("get", {"client", "coach", "supervisor", "admin"}, None),
    "coaching:coach_home": ("get", {"coach"}, None),
    "accounts:team": ("get", {"supervisor"}, None),
    "accounts:manage": ("get", {"admin"}, None),
    "accounts:invitation_create": ("post", {"admin", "coach"}, None),
    "accounts:team_create": ("post", {"admin"}, None),
    "accounts:invitation_revoke": ("post", {"admin", "coach"}, None),
    "accounts:people": ("get", {"admin"}, None),
    "accounts:person": ("get", {"admin"}, "client"),
    "accounts:person_change": ("post", {"admin"}, None),
    "accounts:person_access": ("post", {"admin"}, None),
    # Staff who bill (admins) set a credential and a client's payer details.
    "accounts:person_credential": ("post", {"admin"}, None),
    "accounts:person_payer_identity": ("post", {"admin"}, None),
    "accounts:audit_log": ("get", {"admin", "supervisor"}, None),
    "accounts:audit_export": ("get", {"admin"}, None),
    "accounts:breach_report": ("get", {"admin"}, None),
    "coaching:retention_review": ("get", {"admin"}, None),
    "accounts:record_views": ("get", {"client"}, None),
    # Everyone has a sessions page of their own (tests/accounts/test_login_sessions_views.py).
    "accounts:login_sessions": ("get", {"client", "coach", "supervisor", "admin"}, None),
    "accounts:login_session_end": ("post", {"client", "coach", "supervisor", "admin"}, None),
    "accounts:login_sessions_end_others": (
        "post",
        {"client", "coach", "supervisor", "admin"},
        None,
    ),
    "coaching:client_home": ("get", {"client"}, None),
    "sessions_log:agenda": ("get", {"coach"}, None),
    "sessions_log:session_new": ("get", {"coach"}, None),
    "sessions_log:contact_log": ("get", {"coach"}, None),
    "sessions_log:review_queue": ("get", {"supervisor"}, None),
    "sessions_log:notes_to_finish": ("get", {"coach"}, None),
    "sessions_log:feed_settings": ("get", {"client", "coach"}, None),
    "sessions_log:reminder_settings": ("get", {"client", "coach"}, None),
    "sessions_log:reminder_problems": ("get", {"admin"}, None),
    # A client's own text-message number and consent.
    "sessions_log:text_settings": ("get", {"client"}, None),
    "sessions_log:session_detail": ("get", {"coach", "supervisor"}, "session"),
    # Group sessions: the coach who runs them.
    "sessions_log:group_new": ("get", {"coach"}, None),
    "sessions_log:group_detail": ("get", {"coach"}, "group"),
    "sessions_log:group_close": ("post", {"coach"}, "group"),
    "sessions_log:session_ics": ("get", {"client", "coach"}, "session"),
    "coaching:client_timeline": ("get", {"coach", "supervisor"}, "client"),
    "sessions_log:session_close": ("post", {"coach"}, "session"),
    "sessions_log:session_cancel": ("post", {"coach"}, "session"),
    "sessions_log:session_reschedule": ("post", {"coach"}, "session"),
    "sessions_log:session_billing": ("post", {"coach"}, "session"),
    "sessions_log:note_open": ("post", {"coach"}, "session"),
    "sessions_log:note_draft": ("post", {"coach"}, "note"),
    "sessions_log:note_sign": ("post", {"coach"}, "note"),
    "sessions_log:addendum_add": ("post", {"coach"}, "note"),
    "sessions_log:note_review": ("post", {"supervisor"}, "note"),
    "coaching:my_checkins": ("get", {"client"}, None),
    "coaching:checkin_new": ("get", {"client"}, None),
    "coaching:flag_acknowledge": ("post", {"coach", "supervisor"}, "flag"),
    "coaching:flag_resolve": ("post", {"supervisor"}, "flag"),
    "coaching:supervision": ("get", {"supervisor"}, None),
    "coaching:supervisor_request_handle": ("post", {"supervisor"}, "request"),
    "coaching:supervisor_request_done": ("post", {"supervisor"}, "request"),
    "coaching:team_dashboard": ("get", {"supervisor", "admin"}, None),
    "coaching:coach_detail": ("get", {"supervisor", "admin"}, "coach"),
    "coaching:client_history": ("get", {"supervisor", "admin"}, "client"),
    "coaching:client_reassign": ("get", {"supervisor"}, "client"),
    "coaching:report": ("get", {"supervisor", "admin"}, None),
    # Billing: staff who bill (admins) prepare and download claims; the
    # funder report (counts only) is for admins and supervisors.
    "coaching:claims": ("get", {"admin"}, None),
    "coaching:claim_download": ("post", {"admin"}, None),
    # The CSV claim files kept as downloaded: download again, mark sent.
    "coaching:claim_sheet_download": ("post", {"admin"}, "claim_sheet"),
    "coaching:claim_sheet_sent": ("post", {"admin"}, "claim_sheet"),
    "coaching:funder_report": ("get", {"supervisor", "admin"}, None),
    # Billing identities and remittance (835) uploads: staff who bill.
    "coaching:billing_identities": ("get", {"admin"}, None),
    "coaching:provider_identity": ("get", {"admin"}, "coach"),
    "coaching:remittances": ("get", {"admin"}, None),
    "coaching:episode_billing": ("get", {"admin"}, "episode"),
    "coaching:remittance_upload": ("post", {"admin"}, None),
    "coaching:remittance_download": ("post", {"admin"}, "remittance"),
    # Claim batches (the Billing page): staff who bill.
    "coaching:billing": ("get", {"admin"}, None),
    "coaching:claim_batch_new": ("post", {"admin"}, None),
    "coaching:claim_batch": ("get", {"admin"}, "batch"),
    "coaching:claim_batch_download": ("post", {"admin"}, "batch"),
    "coaching:claim_batch_cover": ("post", {"admin"}, "batch"),
    "coaching:claim_batch_accept": ("post", {"admin"}, "batch"),
    "coaching:claim_batch_sent": ("post", {"admin"}, "batch"),
    "coaching:claim_void": ("post", {"admin"}, "claim"),
    "coaching:claim_replace": ("post", {"admin"}, "claim"),
    # The recovery plan: the client and their coach write, the supervisor reads.
    "coaching:my_plan": ("get", {"client"}, None),
    "coaching:plans_due": ("get", {"coach", "supervisor"}, None),
    "coaching:plan": ("get", {"client", "coach", "supervisor"}, "client"),
    "coaching:plan_history": ("get", {"client", "coach", "supervisor"}, "client"),
    "coaching:plan_print": ("get", {"client", "coach", "supervisor"}, "client"),
    "coaching:goal_add": ("post", {"client", "coach"}, "client"),
    "coaching:step_add": ("post", {"client", "coach"}, "client"),
    "coaching:goal_change": ("post", {"client", "coach"}, "goal"),
    "coaching:step_change": ("post", {"client", "coach"}, "step"),
    "coaching:step_progress": ("post", {"client", "coach"}, "step"),
    "coaching:plan_confirm": ("post", {"client"}, "version"),
    "coaching:plan_sign": ("post", {"coach"}, "version"),
    # Episodes of care: the client reads their own; their coach admits; the
    # coach or the team's supervisor discharges. Outreach is staff's.
    "coaching:my_episodes": ("get", {"client"}, None),
    "coaching:episodes": ("get", {"client", "coach", "supervisor"}, "client"),
    "coaching:episode_open": ("post", {"coach"}, "client"),
    "coaching:episode_discharge": ("post", {"coach", "supervisor"}, "client"),
    "coaching:outreach": ("get", {"coach", "supervisor"}, "client"),
    "coaching:outreach_attempt": ("post", {"coach"}, "client"),
    "coaching:contact_preferences": ("post", {"coach"}, "client"),
    # Consents: the client reads, signs and revokes their own; staff who see
    # the client prepare, end and disclose under one.
    "coaching:my_consents": ("get", {"client"}, None),
    # The client's own record (their copy), and staff's requests about records.
    "coaching:my_record": ("get", {"client"}, None),
    "coaching:my_record_print": ("get", {"client"}, None),
    "coaching:my_record_json": ("get", {"client"}, None),
    "coaching:my_record_pdf": ("get", {"client"}, None),
    "coaching:record_requests": ("get", {"supervisor"}, None),
    "coaching:client_record_requests": ("get", {"coach", "supervisor"}, "client"),
    "coaching:record_request": ("get", {"coach", "supervisor"}, "record_request"),
    "coaching:my_consent": ("get", {"client"}, "consent"),
    "coaching:consent_sign": ("post", {"client"}, "consent"),
    "coaching:consent_revoke": ("post", {"client"}, "consent"),
    "coaching:client_consents": ("get", {"coach", "supervisor"}, "client"),
    "coaching:consent_prepare": ("post", {"coach", "supervisor"}, "client"),
    "coaching:consent_end": ("post", {"coach", "supervisor"}, "consent"),
    "coaching:consent_signed_copy": ("get", {"client", "coach", "supervisor"}, "consent"),
    "coaching:consent_revoke_in_writing": ("post", {"coach", "supervisor"}, "consent"),
    "coaching:consent_print": ("get", {"coach", "supervisor"}, "consent"),
    "coaching:consent_paper_signature": ("post", {"coach", "supervisor"}, "consent"),
    "coaching:consent_document": ("get", {"client", "coach", "supervisor"}, "consent_document"),
    "accounts:offline_client_create": ("post", {"coach"}, None),
    "coaching:consent_disclosure": ("get", {"coach", "supervisor"}, "consent"),
    "coaching:consent_disclose": ("post", {"coach", "supervisor"}, "consent"),
    "coaching:my_accounting": ("get", {"client"}, None),
    "coaching:client_accounting": ("get", {"coach", "supervisor"}, "client"),
    "coaching:outside_disclosure_record": ("post", {"coach", "supervisor"}, "client"),
    "coaching:outgoing_file_sent": ("post", {"coach", "supervisor"}, "outgoing_file"),
    "coaching:outgoing_file_download": ("post", {"coach", "supervisor"}, "outgoing_file"),
}
# The token in the URL is the credential; a wrong token is refused plainly.
BY_TOKEN = {
    "accounts:invitation_accept": {400, 404, 410},
    "sessions_log:feed": {404},
    "sessions_log:reminder_unsubscribe": {200},  # GET only asks to confirm
    "coaching:checkin_by_link": {410},
    "sessions_log:text_link": {404},  # a text's short link
}
# The text provider's webhooks: its signature is the credential, a session
# is none (tests/sessions_log/test_text_webhooks_views.py checks each refusal).
BY_SIGNATURE = {"sessions_log:text_inbound", "sessions_log:text_status"}
# The health check, and the language switch (anyone, signed in or not: it
# holds no record and changes only the person's own language).
PUBLIC = {"healthz", "accounts:language_set"}
# allauth's own account pages (login, password, MFA) and Django's
# admin site guard themselves; they hold no client data. Checked below for
# "no server error" and, for the admin site, admin-only.
DELEGATED_PREFIXES = ("account_", "mfa_", "admin:")


def _names():
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif pattern.name:  # unnamed patterns are allauth's and the admin's internals
                yield namespace + pattern.name

    return set(walk(get_resolver().url_patterns))


def test_every_url_has_an_entry():
    names = _names()
    covered = set(MATRIX) | set(BY_TOKEN) | BY_SIGNATURE | PUBLIC
    unguarded = {name for name in names - covered if not name.startswith(DELEGATED_PREFIXES)}
    assert not unguarded, f"URL patterns without an authorization entry: {sorted(unguarded)}"
    assert covered <= names, f"entries for URLs that no longer exist: {sorted(covered - names)}"


def _request(client, name, method, args):
    return getattr(client, method)(reverse(name, args=args))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_matrix(client, world, name):
    method, allowed, kind = MATRIX[name]
    sides = ["north", "south"] if kind else [None]
    for object_side in sides:
        args = [world["objects"][object_side][kind]] if kind else []
        client.logout()
        response = _request(client, name, method, args)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], (
            name,
            "anonymous",
        )
        for persona, (user, side) in world["personas"].items():
            sign_in(client, user)
            status = _request(client, name, method, args).status_code
            if user.role not in allowed:
                expected = {403}
            elif kind is None or side == object_side or (side is None and user.role == "admin"):
                expected = SUCCESS
            else:
                expected = {404}
            assert status in expected, (name, persona, f"{object_side} object", status)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BY_TOKEN))
def test_a_wrong_token_is_refused(client, name):
    assert client.get(reverse(name, args=["not-a-real-token"])).status_code in BY_TOKEN[name]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BY_SIGNATURE))
def test_a_webhook_without_the_providers_signature_is_refused_signed_in_or_not(
    client, texts_on, world, name
):
    for persona, (user, _side) in [("anonymous", (None, None)), *world["personas"].items()]:
        if user is not None:
            sign_in(client, user)
        response = client.post(reverse(name), {"MessageSid": "SM1", "Body": "STOP"})
        assert response.status_code == 403, (name, persona)


@pytest.mark.django_db
def test_allauth_pages_answer_without_server_errors(client, client_user):
    names = sorted(
        name
        for name in _names()
        if name.startswith(("account_", "mfa_"))
        and name not in ("account_confirm_email", "account_reset_password_from_key")
    )
    for signed_in in (False, True):
        if signed_in:
            sign_in(client, client_user)
        for name in names:
            assert client.get(reverse(name)).status_code < 500, (name, signed_in)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["client_user", "coach", "supervisor"])
def test_the_admin_site_is_for_admins_only(client, request, who, admin_user):
    sign_in(client, request.getfixturevalue(who))
    assert client.get(reverse("admin:index")).status_code == 302
    sign_in(client, admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
