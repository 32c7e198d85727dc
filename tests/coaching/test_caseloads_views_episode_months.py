"""The team dashboard and the caseload report page count active episodes,
admissions and discharges per month."""

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import ReferralSource
from coaching.services.episodes import episode_discharge, episode_open
from tests.helpers import sign_in


@pytest.fixture
def episodes(coach, client_user, other_client, other_coach):
    source = ReferralSource.objects.get_or_create(name="Self")[0]
    today = timezone.localdate()
    episode_open(
        actor=coach, client=client_user, intake_date=today.replace(day=1), referral_source=source
    )
    episode_discharge(
        actor=coach, client=client_user, discharge_date=today, reason="goals_met", summary=""
    )
    episode_open(
        actor=other_coach,
        client=other_client,
        intake_date=today,
        referral_source=source,
    )


def _this_month_row(page):
    month = timezone.localdate().strftime("%b %Y")
    start = page.index(f'<th scope="row">{month}</th>')
    return page[start : page.index("</tr>", start)]


@pytest.mark.django_db
def test_the_dashboard_counts_this_months_episodes_of_the_team(client, supervisor, episodes):
    sign_in(client, supervisor)
    page = client.get(reverse("coaching:team_dashboard")).content.decode()
    assert "Episodes of care by month" in page
    # Robin (this team): admitted and discharged this month; Riley is another team's.
    row = _this_month_row(page)
    assert "<td>1</td><td>1</td><td>1 <span" in row
    assert "goals met 1" in row


@pytest.mark.django_db
def test_the_report_page_counts_every_team_for_an_admin(client, admin_user, episodes):
    sign_in(client, admin_user)
    page = client.get(reverse("coaching:report")).content.decode()
    row = _this_month_row(page)
    assert row.startswith(
        f'<th scope="row">{timezone.localdate().strftime("%b %Y")}</th><td>2</td><td>2</td><td>1'
    )
