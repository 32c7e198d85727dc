from datetime import timedelta

from django.utils import timezone

from accounts.models import LoginSession
from accounts.models.login_sessions import session_key_digest
from accounts.tasks import sessions_clear_expired
from tests.conftest import wait_until


def _session(expires_in: timedelta) -> str:
    store = LoginSession.get_session_store_class()()
    store["seen"] = True
    store.create()
    LoginSession.objects.filter(pk=session_key_digest(store.session_key)).update(
        expire_date=timezone.now() + expires_in
    )
    return session_key_digest(store.session_key)


def test_a_real_worker_clears_expired_login_sessions(celery_worker_process):
    expired = _session(timedelta(minutes=-1))
    live = _session(timedelta(hours=1))
    sessions_clear_expired.apply_async(queue=celery_worker_process)
    assert wait_until(lambda: not LoginSession.objects.filter(pk=expired).exists())
    assert LoginSession.objects.filter(pk=live).exists()


def test_the_beat_schedule_runs_the_cleanup_nightly():
    from coaching.celery import app

    entry = app.conf.beat_schedule["sessions-clear-expired"]
    assert entry["task"] == sessions_clear_expired.name
    assert entry["schedule"].is_due(timezone.now() - timedelta(days=1))[0]
