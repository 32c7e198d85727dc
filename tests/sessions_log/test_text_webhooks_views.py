"""The webhooks take only what Twilio signed for our account, once: an
unsigned, badly signed, elsewhere signed, other account's or replayed
request is refused, changes nothing and is logged without the number."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from sessions_log.models import TextNumber, TextWebhook
from tests.helpers import sign_in
from tests.sessions_log.text_hooks import (
    NUMBER,
    confirmed_number,
    inbound_params,
    post_signed,
    replies_of,
    sent_text,
    status_params,
)

INBOUND, STATUS = "sessions_log:text_inbound", "sessions_log:text_status"


def _state(user):
    number = TextNumber.objects.get(user=user)
    return number.state, TextWebhook.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "how",
    ["unsigned", "bad signature", "signed for another url", "signed with another token"],
)
def test_a_request_not_signed_for_this_url_is_refused_and_changes_nothing(
    client,
    client_user,
    texts_on,
    caplog,
    how,
):
    confirmed_number(client_user)
    params = inbound_params(texts_on, "STOP")
    signature = {
        "unsigned": "",
        "bad signature": "bm90IGEgc2lnbmF0dXJl",
        "signed for another url": texts_on.signature("http://testserver/texts/status/", params),
        "signed with another token": None,
    }[how]
    if how == "signed with another token":
        other = RequestValidator("someone-elses-token")
        signature = other.compute_signature("http://testserver/texts/inbound/", params)
    response = post_signed(client, texts_on, INBOUND, params, signature=signature)
    assert response.status_code == 403
    assert _state(client_user) == ("on", 0)
    assert "inbound webhook was refused" in caplog.text
    assert NUMBER not in caplog.text and "STOP" not in caplog.text


@pytest.mark.django_db
def test_the_signature_is_checked_against_the_public_url_not_the_host_asked(
    client,
    client_user,
    texts_on,
    settings,
):
    """Behind the proxy Django sees another host; Twilio signed SITE_URL's."""
    confirmed_number(client_user)
    settings.SITE_URL = "https://coach.example.org"
    params = inbound_params(texts_on, "STOP")
    as_seen_here = post_signed(client, texts_on, INBOUND, params)  # signed for http://testserver
    assert as_seen_here.status_code == 403
    public = post_signed(
        client, texts_on, INBOUND, params, signed_url="https://coach.example.org/texts/inbound/"
    )
    assert public.status_code == 200
    assert _state(client_user) == ("stopped", 1)


@pytest.mark.django_db
def test_another_accounts_request_is_refused(client, client_user, texts_on):
    confirmed_number(client_user)
    params = inbound_params(texts_on, "STOP", AccountSid="AC" + "9" * 32)
    assert post_signed(client, texts_on, INBOUND, params).status_code == 403
    assert _state(client_user) == ("on", 0)


@pytest.mark.django_db
def test_a_replayed_inbound_text_is_refused_and_changes_nothing(
    client,
    client_user,
    texts_on,
    caplog,
):
    confirmed_number(client_user)
    stop = inbound_params(texts_on, "STOP")
    assert post_signed(client, texts_on, INBOUND, stop).status_code == 200
    start = inbound_params(texts_on, "START")
    assert post_signed(client, texts_on, INBOUND, start).status_code == 200
    assert _state(client_user) == ("on", 2)
    # The STOP again, exactly as Twilio signed it: refused, texts stay on.
    replay = post_signed(client, texts_on, INBOUND, stop)
    assert replay.status_code == 409
    assert _state(client_user) == ("on", 2)
    assert "inbound webhook was refused (replayed)" in caplog.text


@pytest.mark.django_db
def test_a_replayed_status_callback_is_refused(client, client_user, texts_on):
    message = sent_text(client_user, status="sent")
    delivered = status_params(texts_on, message.provider_sid, "delivered")
    assert post_signed(client, texts_on, STATUS, delivered).status_code == 204
    assert post_signed(client, texts_on, STATUS, delivered).status_code == 409
    message.refresh_from_db()
    assert message.status == "delivered"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "change"),
    [
        (INBOUND, {"MessageSid": ""}),
        (INBOUND, {"MessageSid": "SM/../../x"}),
        (INBOUND, {"From": ""}),
        (INBOUND, {"Body": "x" * 1601}),
        (STATUS, {"MessageStatus": ""}),
        (STATUS, {"MessageStatus": "DELIVERED; DROP"}),
        (STATUS, {"ErrorCode": "30005x"}),
        (STATUS, {"ErrorCode": "³"}),
        (STATUS, {"ErrorCode": "9" * 20}),
    ],
)
def test_bad_parameters_are_a_plain_400(client, client_user, texts_on, name, change):
    confirmed_number(client_user)
    message = sent_text(client_user)
    if name == INBOUND:
        params = inbound_params(texts_on, "STOP") | change
    else:
        params = status_params(texts_on, message.provider_sid, "delivered", 30005) | change
    params = {key: value for key, value in params.items() if value != ""}
    assert post_signed(client, texts_on, name, params).status_code == 400
    assert _state(client_user) == ("on", 0)
    message.refresh_from_db()
    assert message.status == "queued"


@pytest.mark.django_db
def test_without_a_body_the_inbound_text_is_a_400(client, client_user, texts_on):
    params = inbound_params(texts_on, "x")
    del params["Body"]
    assert post_signed(client, texts_on, INBOUND, params).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("name", [INBOUND, STATUS])
def test_only_post_is_answered(client, texts_on, admin_user, name):
    assert client.get(reverse(name)).status_code == 405
    sign_in(client, admin_user)  # a session is no credential here either
    assert client.get(reverse(name)).status_code == 405
    assert client.post(reverse(name), {}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name", [INBOUND, STATUS])
def test_with_texts_off_the_webhooks_are_not_there(client, settings, name, sms_sink):
    settings.TWILIO_ACCOUNT_SID = ""
    params = inbound_params(sms_sink, "STOP")
    assert post_signed(client, sms_sink, name, params).status_code == 404


@pytest.mark.django_db
def test_an_unknown_sid_is_ignored(client, texts_on, caplog):
    params = status_params(texts_on, "SM" + "f" * 32, "delivered")
    assert post_signed(client, texts_on, STATUS, params).status_code == 204
    assert "a text we do not know" in caplog.text


@pytest.mark.django_db
def test_the_reply_is_twiml(client, client_user, texts_on):
    confirmed_number(client_user)
    response = post_signed(client, texts_on, INBOUND, inbound_params(texts_on, "HELP"))
    assert response["Content-Type"].startswith("text/xml")
    assert len(replies_of(response.content.decode())) == 1
    silent = post_signed(client, texts_on, INBOUND, inbound_params(texts_on, "STOP", From="+1999"))
    assert replies_of(silent.content.decode()) == []


@pytest.mark.django_db(transaction=True)
def test_a_text_sent_through_twilios_webhook_over_http_stops_texts(
    live_server,
    client_user,
    texts_on,
    settings,
):
    """The sink posts as Twilio does, over HTTP, to the live server."""
    settings.SITE_URL = live_server.url
    confirmed_number(client_user)
    url = live_server.url + reverse(INBOUND)
    assert texts_on.inbound(url, NUMBER, "Stop") == (
        200,
        ["Appointments: you will get no more texts. Reply START to get them again."],
    )
    assert TextNumber.objects.get().state == "stopped"


# Any text, and the values most likely to reach the database badly.
_TEXT = st.one_of(st.text(max_size=80), st.sampled_from(["", "\x00", "SM\x00", "x" * 200]))


@pytest.mark.django_db
@given(
    sid=st.one_of(_TEXT, st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True)),
    from_=_TEXT,
    body=st.text(max_size=200),
    status=st.one_of(_TEXT, st.sampled_from(["sent", "delivered", "undelivered", "failed"])),
    code=st.one_of(_TEXT, st.integers(min_value=0, max_value=10**12).map(str)),
)
@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_signed_webhooks_with_any_parameters_never_break(
    client, client_user, texts_on, sid, from_, body, status, code
):
    """Signed (the provider's own mistakes, or a leaked token): whatever
    the values, a plain answer, and a 400 changes nothing."""
    number = TextNumber.objects.filter(user=client_user).first() or confirmed_number(client_user)
    message = sent_text(client_user)
    before = (number.state, TextWebhook.objects.count())
    inbound = inbound_params(texts_on, body, from_=from_, MessageSid=sid)
    answer = post_signed(client, texts_on, INBOUND, inbound)
    assert answer.status_code in (200, 400, 409), answer.status_code
    if answer.status_code != 200:
        assert _state(client_user) == before
    callback = status_params(texts_on, sid, status) | {"ErrorCode": code}
    answer = post_signed(client, texts_on, STATUS, callback)
    assert answer.status_code in (204, 400, 409), answer.status_code
    message.refresh_from_db()
    assert message.status == "queued"  # the callback was for another sid
