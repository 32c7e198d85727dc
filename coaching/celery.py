import os

from celery import Celery
from celery.signals import worker_process_shutdown, worker_shutdown

# Only Django's lazy settings and mail classes: importable before setup.
from common import emails

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coaching.settings")

app = Celery("coaching")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_shutdown.connect  # the solo pool: the worker's own process
@worker_process_shutdown.connect  # the prefork pool: each child
def _smtp_quit(**kwargs) -> None:
    """Say QUIT on the SMTP connection the reminder sends kept open."""
    emails.kept_close()
