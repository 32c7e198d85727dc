"""The acting scopes of episodes and outreach (accounts/policy/episodes.py),
as the selectors apply them: who may admit, discharge and log outreach is
narrower than who reads, and someone outside gets refused with nothing
changed."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.policy import episode_discharger_scope, episode_opener_scope
from coaching.models import ContactPreferences, Episode, OutreachAttempt, ReferralSource
from coaching.selectors.episodes import (
    episode_client_for_change,
    episode_for_viewing,
)
from coaching.selectors.episodes import permissions_for as episode_permissions
from coaching.selectors.outreach import outreach_client_for_change, outreach_for_viewing
from coaching.selectors.outreach import permissions_for as outreach_permissions
from coaching.services.episodes import episode_discharge, episode_open
from coaching.services.outreach import contact_preferences_set, outreach_attempt_log


def _source():
    return ReferralSource.objects.get_or_create(name="Self")[0]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["supervisor", "other_coach", "client_user", "admin_user"])
def test_only_their_coach_admits_a_client(request, who, client_user):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        episode_client_for_change(actor, client_user.pk, scope=episode_opener_scope)
    with pytest.raises(PermissionDenied):
        episode_open(
            actor=actor,
            client=client_user,
            intake_date=timezone.localdate(),
            referral_source=_source(),
        )
    assert not Episode.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_coach", "client_user", "admin_user"])
def test_only_the_coach_or_their_supervisors_discharge(request, who, coach, client_user):
    episode_open(
        actor=coach,
        client=client_user,
        intake_date=timezone.localdate() - timedelta(days=5),
        referral_source=_source(),
    )
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        episode_client_for_change(actor, client_user.pk, scope=episode_discharger_scope)
    with pytest.raises(PermissionDenied):
        episode_discharge(
            actor=actor, client=client_user, discharge_date=timezone.localdate(), reason="other"
        )
    assert Episode.objects.get().is_open


@pytest.mark.django_db
def test_the_supervisor_discharges_and_reads_but_does_not_admit(coach, client_user, supervisor):
    assert episode_client_for_change(coach, client_user.pk) == client_user
    assert (
        episode_client_for_change(supervisor, client_user.pk, scope=episode_discharger_scope)
        == client_user
    )
    page = episode_for_viewing(supervisor, client_user.pk)
    flags = episode_permissions(supervisor, page["client"], page)
    assert (flags.can_open, flags.can_discharge) == (False, False)  # nothing open yet
    page = episode_for_viewing(coach, client_user.pk)
    assert episode_permissions(coach, page["client"], page).can_open


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["supervisor", "other_coach", "client_user", "admin_user"])
def test_only_their_coach_logs_outreach(request, who, client_user):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        outreach_client_for_change(actor, client_user.pk)
    with pytest.raises(PermissionDenied):
        outreach_attempt_log(actor=actor, client=client_user, channel="phone", outcome="reached")
    with pytest.raises(PermissionDenied):
        contact_preferences_set(
            actor=actor,
            client=client_user,
            preferred_channels=["phone"],
            ok_to_text=True,
            ok_to_voicemail=True,
            ok_to_email=True,
        )
    assert not OutreachAttempt.objects.exists() and not ContactPreferences.objects.exists()


@pytest.mark.django_db
def test_the_supervisor_reads_outreach_but_does_not_log(coach, client_user, supervisor):
    assert outreach_client_for_change(coach, client_user.pk) == client_user
    page = outreach_for_viewing(supervisor, client_user.pk)
    assert not outreach_permissions(supervisor, page["client"]).can_log
    page = outreach_for_viewing(coach, client_user.pk)
    assert outreach_permissions(coach, page["client"]).can_log
