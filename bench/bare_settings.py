"""`make bench`'s bare-Django reference: what a Django page costs with
nothing of ours around it. No middleware, no context processors, no
session or user; the same database, one row by primary key
(bench.models.TeamRow reads the teams table), the same template, served by
the same gunicorn command as the app."""

from coaching.settings import ALLOWED_HOSTS, BASE_DIR, DATABASES, SECRET_KEY  # noqa: F401

DEBUG = False
INSTALLED_APPS = ["bench"]
MIDDLEWARE = []
ROOT_URLCONF = "bench.bare_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]
USE_TZ = True
USE_I18N = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
