"""Private feed links (sessions_log/services/calendar.py) and the calendar
lookups that hand sessions out (sessions_log/selectors/calendar.py)."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import AuditEvent
from sessions_log.models import CalendarFeed
from sessions_log.selectors.calendar import (
    calendar_feed_for_viewing,
    calendar_session_for_viewing,
)
from sessions_log.services.calendar import calendar_feed_renew, calendar_feed_revoke
from sessions_log.services.sessions import session_schedule


@pytest.mark.django_db
def test_a_renewed_link_replaces_the_old_one_and_a_revoked_one_stops(coach):
    first = calendar_feed_renew(actor=coach)
    second = calendar_feed_renew(actor=coach)
    assert CalendarFeed.objects.filter(user=coach).count() == 1
    with pytest.raises(Http404):
        calendar_feed_for_viewing(first)
    assert calendar_feed_for_viewing(second)[0] == coach
    calendar_feed_revoke(actor=coach)
    with pytest.raises(Http404):
        calendar_feed_for_viewing(second)
    assert AuditEvent.objects.filter(action="calendar_feed.revoke", actor=coach).exists()


@pytest.mark.django_db
def test_a_session_download_is_the_persons_own_and_audited_once(coach, client_user, supervisor):
    session = session_schedule(
        actor=coach,
        client=client_user,
        starts_at=timezone.now() + timedelta(days=1),
        duration=timedelta(hours=1),
        modality="phone",
    )
    assert calendar_session_for_viewing(client_user, session.pk) == session
    with pytest.raises(Http404):
        calendar_session_for_viewing(supervisor, session.pk)
    downloads = AuditEvent.objects.filter(action="calendar.download")
    assert list(downloads.values_list("actor_id", flat=True)) == [client_user.pk]
