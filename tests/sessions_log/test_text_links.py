"""The short links texts carry (`/t/<code>`, sessions_log/views/text_links.py):
a check-in's opens its form until it is answered, then home; unknown and
expired codes get the same 404 (issue 32)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coaching.models import CheckInRequest
from sessions_log.models import TextLink
from sessions_log.services import text_bodies
from sessions_log.services.text_bodies import text_link_for_checkin
from tests.helpers import _completed, _submit


@pytest.mark.django_db
def test_a_checkins_short_link_opens_its_form_until_answered_then_leads_home(
    client, coach, client_user
):
    session = _completed(coach, client_user)
    link = text_link_for_checkin(session=session, expires_at=timezone.now() + timedelta(days=1))
    code = link.rsplit("/", 1)[1]
    assert len(code) == text_bodies.LINK_CODE_LENGTH and link.startswith(settings.TEXTS_LINK_BASE)

    response = client.get(f"/t/{code}")
    assert response.status_code == 302
    assert response["Location"].startswith("/checkins/link/")
    form = client.get(response["Location"])
    assert form.status_code == 200 and 'name="trust"' in form.content.decode()

    _submit(client_user, CheckInRequest.objects.get(session=session))
    assert client.get(f"/t/{code}")["Location"] == reverse("home")


@pytest.mark.django_db
def test_unknown_and_expired_short_links_get_the_same_404(client, coach, client_user):
    session = _completed(coach, client_user)
    TextLink.objects.create(
        code="Expired123", session=session, expires_at=timezone.now() - timedelta(seconds=1)
    )
    missing = client.get("/t/Nosuchcode")
    expired = client.get("/t/Expired123")
    assert missing.status_code == expired.status_code == 404
    # One page: whether a code ever existed is not told.
    assert _main(missing) == _main(expired) and "expired" not in _main(expired).lower()


def _main(response) -> str:
    return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)
