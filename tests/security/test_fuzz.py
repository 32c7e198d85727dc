"""Property-based fuzzing of every form and POST endpoint: odd and long
Unicode, wrong types, missing fields, the other side's ids. Never a server
error, and a request that is refused changes nothing in the database."""

import pytest
from django.contrib.messages import ERROR, get_messages
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import CaseloadAssignment, Invitation, PayerIdentity, Team, User
from coaching.models import CheckIn, Consent, Disclosure, SupervisorRequest, TrustFlag
from sessions_log.models import Addendum, Note, NoteReview, ReminderPreference, Session
from tests.helpers import sign_in

ODD = [
    "",
    " ",
    "\x00",
    "\u202eevil",
    "😀" * 60,
    "a" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "-1",
    "0",
    "99999999999999999999",
    "2026-02-30",
    "25:61",
    "1e309",
    "NaN",
    "true",
    "on",
]

# name -> (persona, object kind in the URL or None, method, fields)
ENDPOINTS = {
    "accounts:invitation_create": ("admin", None, "post", ["email", "role", "team"]),
    "accounts:team_create": ("admin", None, "post", ["name"]),
    "accounts:invitation_revoke": ("coach", None, "post", ["invitation"]),
    "accounts:people": ("admin", None, "get", ["who", "q", "page"]),
    "accounts:person_change": ("admin", None, "post", ["person", "role", "team"]),
    "accounts:person_access": ("admin", None, "post", ["person", "access"]),
    "sessions_log:session_new": (
        "coach",
        None,
        "post",
        ["client", "date", "time", "duration", "modality", "location", "video_url", "agenda"]
        + ["place_type", "service_code", "funding_programme"],
    ),
    "sessions_log:contact_log": (
        "coach",
        None,
        "post",
        ["client", "date", "time", "duration", "modality"]
        + ["place_type", "service_code", "funding_programme"],
    ),
    "sessions_log:session_close": ("coach", "session", "post", ["status"]),
    "sessions_log:session_cancel": ("coach", "session", "post", ["reason"]),
    "sessions_log:session_reschedule": ("coach", "session", "post", ["date", "time", "duration"]),
    "sessions_log:note_open": ("coach", "session", "post", []),
    "sessions_log:session_billing": (
        "coach",
        "session",
        "post",
        ["place_type", "service_code", "funding_programme"],
    ),
    "sessions_log:note_draft": (
        "coach",
        "note",
        "post",
        ["services", "goals", "narrative", "client_words", "next_steps"],
    ),
    "sessions_log:note_sign": ("coach", "note", "post", ["narrative", "over_cap_reason"]),
    "sessions_log:addendum_add": ("coach", "note", "post", ["text"]),
    "sessions_log:note_review": ("supervisor", "note", "post", ["decision", "comment"]),
    "sessions_log:feed_settings": ("client", None, "post", ["action"]),
    "sessions_log:reminder_settings": (
        "client",
        None,
        "post",
        ["first_reminder", "second_reminder", "quiet_hours", "quiet_start", "quiet_end"],
    ),
    "coaching:checkin_new": (
        "client",
        None,
        "post",
        ["heard", "safe", "focus", "trust", "helping", "comment", "talk_to_supervisor", "message"],
    ),
    "coaching:flag_acknowledge": ("coach", "flag", "post", []),
    "coaching:flag_resolve": ("supervisor", "flag", "post", ["note", "next"]),
    "coaching:supervisor_request_handle": ("supervisor", "request", "post", []),
    "coaching:supervisor_request_done": ("supervisor", "request", "post", []),
    "coaching:client_reassign": ("supervisor", "client", "post", ["new_coach", "reason", "future"]),
    "coaching:report": ("supervisor", None, "get", ["start", "end"]),
    "coaching:team_dashboard": ("supervisor", None, "get", ["sort"]),
    "accounts:audit_log": ("admin", None, "get", ["person", "client", "start", "end"]),
    "accounts:person_credential": ("admin", None, "post", ["person", "credential"]),
    "accounts:person_payer_identity": (
        "admin",
        None,
        "post",
        ["person", "date_of_birth", "member_id"],
    ),
    "coaching:claims": ("admin", None, "get", ["programme", "start", "end"]),
    "coaching:claim_download": ("admin", None, "post", ["programme", "start", "end"]),
    "coaching:funder_report": ("supervisor", None, "get", ["month", "programme"]),
    "coaching:consent_prepare": (
        "coach",
        "client",
        "post",
        ["recipient", "person_name", "purpose", "information", "ends_on", "ends_on_event"],
    ),
    "coaching:consent_sign": ("client", "consent", "post", ["typed_name", "confirmed"]),
}

_WATCHED = [
    (
        Session,
        ["status", "starts_at", "ends_at", "sequence", "coach_id"]
        + ["place_type", "service_code_id", "funding_programme_id"],
    ),
    (Note, ["signed_at", "updated_at", "units", "signed_credential"]),
    (PayerIdentity, ["pk", "updated_at"]),
    (User, ["credential"]),
    (Addendum, ["pk"]),
    (NoteReview, ["decision"]),
    (CheckIn, ["score"]),
    (TrustFlag, ["status"]),
    (SupervisorRequest, ["handled_at"]),
    (CaseloadAssignment, ["ended_at", "coach_id"]),
    (Invitation, ["pk"]),
    (Team, ["name"]),
    (ReminderPreference, ["first_reminder", "quiet_start"]),
    (Consent, ["signed_at", "revoked_at"]),
    (Disclosure, ["pk"]),
]


def _snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", *fields))
        for model, fields in _WATCHED
    }


def _refused(response) -> bool:
    if response.status_code >= 400:
        return True
    # Only the messages this request added (older ones wait in the session).
    added = get_messages(response.wsgi_request)._queued_messages
    return any(message.level == ERROR for message in added)


def _values(world):
    south = [str(pk) for pk in world["objects"]["south"].values()]
    return st.one_of(
        st.sampled_from(ODD),
        st.sampled_from(south),
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_fuzzed_input_never_breaks_and_a_refusal_changes_nothing(client, world, name):
    persona, kind, method, fields = ENDPOINTS[name]
    user, side = world["personas"][persona]
    args = [world["objects"][side][kind]] if kind else []
    url = reverse(name, args=args)
    sign_in(client, user)
    values = _values(world)
    payloads = st.dictionaries(
        st.sampled_from([*fields, "unexpected"]) if fields else st.just("unexpected"),
        values,
        max_size=len(fields) + 1,
    )

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(payload=payloads)
    def check(payload):
        before = _snapshot()
        response = getattr(client, method)(url, payload)
        assert response.status_code < 500, (name, payload)
        if _refused(response):
            assert _snapshot() == before, (name, payload, response.status_code)

    check()


@pytest.mark.django_db
@given(token=st.text(max_size=300))
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_fuzzed_tokens_in_public_links_never_break(client, token):
    token = token.replace("/", "") or "x"
    for name in (
        "accounts:invitation_accept",
        "sessions_log:feed",
        "sessions_log:reminder_unsubscribe",
        "coaching:checkin_by_link",
    ):
        url = reverse(name, args=[token])
        assert client.get(url).status_code < 500, (name, token)
        assert client.post(url, {"heard": token}).status_code < 500, (name, token)


@pytest.mark.django_db
def test_ids_too_large_for_the_database_are_a_plain_404(client, world):
    huge = "9" * 25
    user, _side = world["personas"]["coach"]
    sign_in(client, user)
    assert client.get(f"/sessions/{huge}/").status_code == 404
    assert client.get(f"/clients/{huge}/").status_code == 404
    client_user, _side = world["personas"]["client"]
    sign_in(client, client_user)
    assert client.get(f"/checkins/new/?session={huge}").status_code == 404
