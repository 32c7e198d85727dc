"""The billing pages: the claim file (consents, the notice, disclosures, every field of a row)
and the funder report (figures, the follow-up rate; what it hides: test_funder_report.py)."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import CaseloadAssignment, Role
from accounts.services import payer_identity_set
from coaching.models import (
    ClaimSheet,
    Disclosure,
    Episode,
    OutreachAttempt,
    ProgrammePayer,
    Recipient,
    ReferralSource,
)
from coaching.selectors.billing import CLAIM_HEADER
from coaching.selectors.funder_report import funder_report, funder_report_shown
from coaching.services.consents import (
    REDISCLOSURE_NOTICE,
    consent_prepare,
    consent_revoke,
    consent_sign,
)
from coaching.services.episodes import episode_discharge, episode_open
from sessions_log.models import FundingProgramme, NoteReview, ServiceCode
from sessions_log.services.notes import note_open, note_review, note_save_draft, note_sign
from sessions_log.services.sessions import contact_log
from tests.conftest import make_user
from tests.helpers import PAGE_STATEMENTS, count_queries, sign_in


@pytest.fixture
def medicaid():
    programme = FundingProgramme.objects.get(name="Medicaid")
    payer = Recipient.objects.create(name="State Medicaid Agency", kind=Recipient.Kind.ORGANISATION)
    ProgrammePayer.objects.create(programme=programme, recipient=payer)
    return programme


def _consent(coach, client, recipient):
    consent = consent_prepare(
        actor=coach,
        client=client,
        legal_name=client.display_name,
        information_from=date(2020, 1, 1),
        recipient=recipient,
        purpose="Billing for peer support",
        information=["service_record", "billing_ids"],
        ends_on=timezone.localdate() + timedelta(days=365),
    )
    return consent_sign(
        actor=client, consent=consent, typed_name=client.display_name, confirmed=True
    )


def _billable(coach, supervisor, client, programme, *, started, minutes=38, reason=""):
    coach.credential = "CPRS"
    session = contact_log(
        actor=coach,
        client=client,
        started_at=started,
        duration=timedelta(minutes=minutes),
        modality="in_person",
        place_type="community",
        service_code=ServiceCode.objects.get(code="H0038", modifiers="HQ"),
        funding_programme=programme,
    )
    note = note_open(actor=coach, session=session)
    note_save_draft(
        actor=coach, note=note, narrative="NOTE-WORDS-9931", services=["Peer support", "=cmd"]
    )
    note = note_sign(actor=coach, note=note, over_cap_reason=reason)
    note_review(actor=supervisor, note=note, decision=NoteReview.Decision.COSIGNED)
    return session


def _yesterday_at(hour, minute=0):
    day = timezone.localdate() - timedelta(days=1)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour, minute))


def _read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def _mark_sent(client, sheet=None, *, sent_on=None, sent_by="email"):
    """Mark a downloaded claim file (the newest, unless given) sent."""
    sheet = sheet or ClaimSheet.objects.first()
    return client.post(
        reverse("coaching:claim_sheet_sent", args=[sheet.pk]),
        {"sent_on": (sent_on or timezone.localdate()).isoformat(), "sent_by": sent_by},
    )


@pytest.mark.django_db
def test_the_claim_file_holds_every_field_of_a_billable_session(
    client, coach, supervisor, client_user, admin_user, medicaid
):
    payer = ProgrammePayer.objects.get(programme=medicaid).recipient
    _consent(coach, client_user, payer)
    payer_identity_set(
        actor=admin_user, client=client_user, date_of_birth=date(1984, 2, 29), member_id="MCD-55"
    )
    _billable(coach, supervisor, client_user, medicaid, started=_yesterday_at(10, 0))
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    sign_in(client, admin_user)
    fields = {"programme": medicaid.pk, "start": day, "end": day}
    response = client.post(reverse("coaching:claim_download"), fields)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _read_csv(response)
    assert rows[0] == [REDISCLOSURE_NOTICE]
    assert ["Claim for", "State Medicaid Agency"] in rows
    header = rows.index(CLAIM_HEADER)
    (row,) = rows[header + 1 :]
    consent = client_user.consents.get()
    assert dict(zip(CLAIM_HEADER, row, strict=True)) == {
        "date of service": day,
        "start time": "10:00",
        "end time": "10:38",
        "minutes": "38",
        "units": "3",
        "units over daily cap": "0",
        # The CMS POS code the programme maps the place to (99: other place).
        "place of service": "99 Community",
        "service code": "H0038",
        "modifiers": "HQ",
        "provider": "Casey Rivera",
        "provider credential": "CPRS",
        "client": "Robin Park",
        "date of birth": "1984-02-29",
        "payer member id": "MCD-55",
        "programme": "Medicaid",
    }
    # 42 CFR 2.13(a), minimum necessary: nothing of the note (its words, the
    # services it ticked) goes on a claim, only the service code.
    assert "NOTE-WORDS-9931" not in response.content.decode()
    assert "=cmd" not in response.content.decode()
    assert "services addressed" not in rows[header] and "reason over cap" not in rows[header]
    # Kept as served; disclosed only once marked sent (42 CFR 2.25).
    assert ClaimSheet.objects.get().file_text == response.content.decode()
    assert not Disclosure.objects.exists()
    assert _mark_sent(client).status_code == 302
    disclosure = Disclosure.objects.get()
    assert (disclosure.client, disclosure.consent, disclosure.recipient) == (
        client_user,
        consent,
        payer,
    )
    assert disclosure.export == "claim_file"


@pytest.mark.django_db
def test_a_cell_that_starts_like_a_formula_is_escaped(
    client, coach, supervisor, client_user, admin_user, medicaid
):
    client_user.display_name = "=HYPERLINK(1)"
    client_user.save()
    _consent(coach, client_user, ProgrammePayer.objects.get().recipient)
    _billable(coach, supervisor, client_user, medicaid, started=_yesterday_at(9))
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    sign_in(client, admin_user)
    rows = _read_csv(
        client.post(
            reverse("coaching:claim_download"),
            {"programme": medicaid.pk, "start": day, "end": day},
        )
    )
    assert rows[-1][CLAIM_HEADER.index("client")] == "'=HYPERLINK(1)"


@pytest.mark.django_db
def test_clients_without_a_covering_consent_are_listed_apart_and_left_out(
    client, coach, supervisor, client_user, admin_user, medicaid
):
    other = make_user("kai@example.org", Role.CLIENT, name="Kai Unconsented")
    CaseloadAssignment.objects.create(coach=coach, client=other)
    payer = ProgrammePayer.objects.get().recipient
    _consent(coach, client_user, payer)
    # A consent to someone else does not cover the payer.
    elsewhere = Recipient.objects.create(name="County court", kind=Recipient.Kind.ORGANISATION)
    _consent(coach, other, elsewhere)
    _billable(coach, supervisor, client_user, medicaid, started=_yesterday_at(9))
    _billable(coach, supervisor, other, medicaid, started=_yesterday_at(11))
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    fields = {"programme": medicaid.pk, "start": day, "end": day}
    sign_in(client, admin_user)
    page = client.get(reverse("coaching:claims"), fields).content.decode()
    assert "Left out: no covering consent" in page
    assert "<li>Kai Unconsented</li>" in page
    assert "1 session, 3 units, 1 client." in page
    response = client.post(reverse("coaching:claim_download"), fields)
    content = response.content.decode()
    assert "Robin Park" in content and "Kai Unconsented" not in content
    _mark_sent(client)
    assert list(Disclosure.objects.values_list("client", flat=True)) == [client_user.pk]


@pytest.mark.django_db
def test_a_claim_nobody_consented_to_is_refused_and_records_nothing(
    client, coach, supervisor, client_user, admin_user, medicaid
):
    _billable(coach, supervisor, client_user, medicaid, started=_yesterday_at(9))
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    sign_in(client, admin_user)
    response = client.post(
        reverse("coaching:claim_download"), {"programme": medicaid.pk, "start": day, "end": day}
    )
    assert response.status_code == 400
    assert "nothing was exported" in response.content.decode()
    assert not Disclosure.objects.exists()


@pytest.mark.django_db
def test_a_revoked_or_expired_consent_does_not_cover_the_claim(
    client, coach, supervisor, client_user, admin_user, medicaid
):

    consent = _consent(coach, client_user, ProgrammePayer.objects.get().recipient)
    consent_revoke(actor=client_user, consent=consent)
    _billable(coach, supervisor, client_user, medicaid, started=_yesterday_at(9))
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    sign_in(client, admin_user)
    response = client.post(
        reverse("coaching:claim_download"), {"programme": medicaid.pk, "start": day, "end": day}
    )
    assert response.status_code == 400
    assert not Disclosure.objects.exists()


@pytest.mark.django_db
def test_units_over_the_cap_show_on_the_claim_with_the_reason(
    client, coach, supervisor, client_user, admin_user, medicaid
):
    """Issue 27 changed this rule: the cap is the programme's, and units past
    it are never billed (they were billed, with the coach's reason). The
    second session's 2 units all go past the cap of 4 (CMS Pub. 100-04 ch. 5
    §20.2: 60 + 30 minutes that day = 6 units): it is not on the file; a
    line partly past the cap shows the units past it apart. 42 CFR 2.13(a),
    minimum necessary: the coach's reason for going over is not on it."""
    FundingProgramme.objects.filter(pk=medicaid.pk).update(daily_unit_cap=5)
    _consent(coach, client_user, ProgrammePayer.objects.get().recipient)
    _billable(coach, supervisor, client_user, medicaid, started=_yesterday_at(9), minutes=60)
    reason = "Crisis: housing lost"
    _billable(
        coach,
        supervisor,
        client_user,
        medicaid,
        started=_yesterday_at(11),
        minutes=30,
        reason=reason,
    )
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    sign_in(client, admin_user)
    rows = _read_csv(
        client.post(
            reverse("coaching:claim_download"),
            {"programme": medicaid.pk, "start": day, "end": day},
        )
    )
    header = rows.index(CLAIM_HEADER)
    over = [(row[4], row[5]) for row in rows[header + 1 :]]
    assert over == [("4", "0"), ("1", "1")]
    assert not [row for row in rows if any(reason in cell for cell in row)]


@pytest.mark.django_db
def test_only_staff_who_bill_download_claims(client, supervisor, medicaid):
    sign_in(client, supervisor)
    assert client.get(reverse("coaching:claims")).status_code == 403


@pytest.mark.django_db
def test_bad_claim_input_gets_a_clear_message(client, admin_user, medicaid):
    sign_in(client, admin_user)
    response = client.get(
        reverse("coaching:claims"),
        {"programme": medicaid.pk, "start": "2026-05-10", "end": "2026-05-01"},
    )
    assert response.status_code == 400
    assert "The end date must not be before the start date." in response.content.decode()
    none = FundingProgramme.objects.get(name="None")
    response = client.get(
        reverse("coaching:claims"),
        {"programme": none.pk, "start": "2026-05-01", "end": "2026-05-02"},
    )
    assert "Choose a programme from the list." in response.content.decode()


def _clients_with_claims(coach, supervisor, programme, count):
    payer = ProgrammePayer.objects.get().recipient
    for index in range(count):
        person = make_user(f"c{index}@example.org", Role.CLIENT, name=f"Client {index:02}")
        CaseloadAssignment.objects.create(coach=coach, client=person)
        if index % 2 == 0:
            _consent(coach, person, payer)
        _billable(
            coach,
            supervisor,
            person,
            programme,
            started=_yesterday_at(0) + timedelta(minutes=20 * index),
            minutes=15,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_claim_page_runs_a_fixed_number_of_queries(
    client, coach, supervisor, admin_user, medicaid, count
):
    _clients_with_claims(coach, supervisor, medicaid, count)
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    sign_in(client, admin_user)
    url = reverse("coaching:claims")
    fields = {"programme": medicaid.pk, "start": day, "end": day}
    client.get(url)
    queries, response = count_queries(client.get, url, fields)
    assert response.status_code == 200
    assert queries <= PAGE_STATEMENTS


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_claim_download_runs_a_fixed_number_of_queries(
    client, coach, supervisor, admin_user, medicaid, count
):
    _clients_with_claims(coach, supervisor, medicaid, count)
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    sign_in(client, admin_user)
    fields = {"programme": medicaid.pk, "start": day, "end": day}
    client.get(reverse("coaching:claims"))
    queries, response = count_queries(client.post, reverse("coaching:claim_download"), fields)
    assert response.status_code == 200
    # The head (notice, its version, who to and by, the days, the scope's
    # heading and labels, blank lines: 14 rows), then per consented client
    # one scope row (42 CFR 2.32(b)) and, here, one session row.
    assert len(_read_csv(response)) == 14 + 2 * ((count + 1) // 2)
    # A download, not a page: its transaction and export_split's savepoint
    # (4 statements) and its two inserts (the kept file, audit rows) on top.
    assert queries <= PAGE_STATEMENTS + 2


# ------------------------------------------------------- the funder report


@pytest.mark.django_db
def test_the_funder_report_counts_the_month(coach, supervisor, client_user, admin_user, medicaid):
    today = timezone.localdate()
    month = today.replace(day=1)
    source = ReferralSource.objects.get_or_create(name="Self")[0]
    episode_open(actor=coach, client=client_user, intake_date=month, referral_source=source)
    # A session under the programme this month (30 minutes: 2 units).
    started = timezone.make_aware(timezone.datetime(month.year, month.month, month.day, 9))
    if started < timezone.now() - timedelta(minutes=30):
        _billable(coach, supervisor, client_user, medicaid, started=started, minutes=30)
    OutreachAttempt.objects.create(
        client=client_user, coach=coach, channel="phone", outcome="no_answer"
    )
    figures = funder_report(admin_user, month=month, programme=None)
    assert figures["admitted"] == 1
    assert figures["attempts"] == 1 and figures["reached"] == 0
    assert figures["discharged"] == 0
    if started < timezone.now() - timedelta(minutes=30):
        assert (figures["people_served"], figures["sessions"], figures["units"]) == (1, 1, 2)
    # Another team's supervisor counts nobody of this team.
    other = make_user("pat@example.org", Role.SUPERVISOR, name="Pat")
    assert funder_report(other, month=month, programme=None)["admitted"] == 0


@pytest.mark.django_db
def test_the_follow_up_rate_counts_a_successful_contact_within_30_days_of_discharge(
    coach, client_user, admin_user, settings
):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    source = ReferralSource.objects.get_or_create(name="Self")[0]
    people = [client_user]
    for index in range(5):
        person = make_user(f"f{index}@example.org", Role.CLIENT, name=f"F {index}")
        CaseloadAssignment.objects.create(coach=coach, client=person)
        people.append(person)
    for person in people:
        episode_open(actor=coach, client=person, intake_date=last_month, referral_source=source)
        episode_discharge(
            actor=coach, client=person, discharge_date=last_month, reason="moved", summary=""
        )
    # Three reached within 30 days, one after 40 days (too late).
    for person, days in zip(people, (1, 10, 30, 40), strict=False):
        attempt = OutreachAttempt.objects.create(
            client=person, coach=coach, channel="phone", outcome="reached"
        )
        moment = timezone.make_aware(
            timezone.datetime.combine(
                last_month + timedelta(days=days), timezone.datetime.min.time()
            )
        ) + timedelta(hours=12)
        OutreachAttempt.objects.filter(pk=attempt.pk).update(at=moment)
    figures = funder_report(admin_user, month=last_month, programme=None)
    assert (figures["discharged"], figures["followed_up"]) == (6, 3)
    assert dict(figures["by_reason"])["Moved away"] == 6

    settings.FUNDER_REPORT_MIN_CELL = 3
    shown = funder_report_shown(figures)
    assert shown["follow_up_rate"] == "50%"
    assert shown["followed_up"] == "3" and shown["discharged"] == "6"
    assert Episode.objects.count() == 6


@pytest.mark.django_db
def test_the_funder_page_hides_small_counts(client, coach, client_user, admin_user):
    source = ReferralSource.objects.get_or_create(name="Self")[0]
    month = timezone.localdate().replace(day=1)
    episode_open(actor=coach, client=client_user, intake_date=month, referral_source=source)
    sign_in(client, admin_user)
    response = client.get(reverse("coaching:funder_report"), {"month": month.strftime("%Y-%m")})
    page = response.content.decode()
    assert '<tr><th scope="row">New admissions</th><td>*</td></tr>' in page
    assert '<tr><th scope="row">Discharges</th><td>0</td></tr>' in page
    assert "within 30 days after their discharge date" in page


@pytest.mark.django_db
def test_a_bad_month_gets_a_clear_message(client, admin_user):
    sign_in(client, admin_user)
    response = client.get(reverse("coaching:funder_report"), {"month": "2026-13"})
    assert response.status_code == 400
    assert "Give a month as YYYY-MM." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_funder_report_runs_a_fixed_number_of_queries(
    client, coach, supervisor, admin_user, medicaid, count
):
    _clients_with_claims(coach, supervisor, medicaid, count)
    sign_in(client, admin_user)
    month = (timezone.localdate() - timedelta(days=1)).strftime("%Y-%m")
    client.get(reverse("coaching:funder_report"))
    queries, response = count_queries(
        client.get, reverse("coaching:funder_report"), {"month": month, "programme": medicaid.pk}
    )
    assert response.status_code == 200
    # A programme's report reads the all-programmes figures beside it (five
    # statements) and every programme's sessions, units and lines (three),
    # to hide what the reports side by side would give away: the same
    # whatever the data size.
    assert queries <= PAGE_STATEMENTS + 7
