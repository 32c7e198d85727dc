"""An episode's diagnosis (ICD-10-CM, shape checked) and prior authorisation
number, recorded by the staff who bill (837P 2300 HI, ABK the principal
diagnosis; REF*G1 prior authorisation), audited, encrypted at rest."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from coaching.models import Episode, ReferralSource
from coaching.services.episodes import episode_open
from tests.helpers import sign_in


@pytest.fixture
def episode(coach, client_user):
    source = ReferralSource.objects.get_or_create(name="Self")[0]
    return episode_open(
        actor=coach, client=client_user, intake_date=timezone.localdate(), referral_source=source
    )


def test_an_admin_records_the_diagnosis_and_authorisation(client, admin_user, episode):
    sign_in(client, admin_user)
    url = reverse("coaching:episode_billing", args=[episode.pk])
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="episode.billing_view", client=episode.client)

    response = client.post(url, {"diagnosis_code": "f11.20", "prior_authorization": "PA-778"})

    assert response.status_code == 302
    episode.refresh_from_db()
    assert (episode.diagnosis_code, episode.prior_authorization) == ("F11.20", "PA-778")
    assert AuditEvent.objects.filter(action="episode.billing_set", client=episode.client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT diagnosis_code FROM coaching_episode")
        assert "F11.20" not in cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"diagnosis_code": "11.20"}, "is not shaped like an ICD-10-CM code"),
        ({"diagnosis_code": "F1"}, "is not shaped like an ICD-10-CM code"),
        ({"prior_authorization": "PA 778*"}, "letters, digits and hyphens"),
    ],
)
def test_a_bad_code_is_refused_and_nothing_saved(client, admin_user, episode, fields, message):
    sign_in(client, admin_user)
    data = {"diagnosis_code": "F11.20", "prior_authorization": ""} | fields
    response = client.post(reverse("coaching:episode_billing", args=[episode.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    episode.refresh_from_db()
    assert (episode.diagnosis_code, episode.prior_authorization) == ("", "")


@pytest.mark.parametrize("who", ["coach", "supervisor", "client_user"])
def test_coaching_staff_and_the_client_may_not(client, request, episode, who):
    sign_in(client, request.getfixturevalue(who))
    url = reverse("coaching:episode_billing", args=[episode.pk])
    assert client.post(url, {"diagnosis_code": "F11.20"}).status_code == 403
    assert Episode.objects.get(pk=episode.pk).diagnosis_code == ""


def test_an_unknown_episode_is_a_404(client, admin_user):
    sign_in(client, admin_user)
    assert client.get(reverse("coaching:episode_billing", args=[999999])).status_code == 404
