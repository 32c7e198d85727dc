"""My record on a 320 px phone: the client opens it from the menu, opens the
printable copy of their whole record (it shows a note written earlier) and
downloads the JSON file. Every page fits 320 px without sideways
scrolling, its links and buttons are 44 px tap targets, and axe-core finds
nothing serious or critical."""

import json

from django.urls import reverse

from coaching.services.record_requests import record_request_decide, record_request_log
from tests.e2e.browser import PHONE, expect_heading, sign_in
from tests.e2e.test_trust_loop_phone import check_client_page
from tests.helpers import signed_contact

SMALL = {**PHONE, "viewport": {"width": 320, "height": 568}}


def test_the_client_opens_and_downloads_their_record_on_a_small_phone(
    open_page, coach, supervisor, client_user
):
    _, note = signed_contact(coach, client_user, narrative="Canary NOTE-5150 we talked")
    request = record_request_log(
        actor=coach,
        client=client_user,
        kind="amendment",
        received_on=note.session.starts_at.date(),
        asked="Say I was on time",
        note=note,
    )
    record_request_decide(
        actor=supervisor,
        request=request,
        decision="denied",
        denial_reason="The time was recorded then.",
        disagreement="I was on time, the bus log shows it.",
    )
    phone = open_page(**SMALL)
    sign_in(phone, client_user)
    phone.goto(reverse("coaching:client_home"))
    phone.get_by_role("link", name="My record", exact=True).click()
    expect_heading(phone, "My record")
    assert "I was on time, the bus log shows it." in phone.content()
    check_client_page(phone, 320, "my-record")
    phone.get_by_role("link", name="Open my record to print or save").click()
    expect_heading(phone, "The record of Robin Park")
    assert "Canary NOTE-5150 we talked" in phone.content()
    check_client_page(phone, 320, "my-record-print")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download as a file (JSON)").click()
    record = json.loads(open(download.value.path(), encoding="utf-8").read())  # noqa: PTH123, SIM115
    assert record["sessions"][0]["note"]["what_happened"] == "Canary NOTE-5150 we talked"
