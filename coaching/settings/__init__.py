"""Settings for the coaching app, read from the environment.

Production behaviour is the default; `DEBUG=true` is for a developer's machine.
"""

import zoneinfo
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from coaching.env import (
    env_bool,
    env_database,
    env_header_name,
    env_int,
    env_list,
    env_networks,
    env_redis_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parents[2]

DEBUG = env_bool("DEBUG", default=False)

# A clearly marked development default; without DEBUG a real key is required.
_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else None)
if SECRET_KEY is None:
    raise ImproperlyConfigured("Environment variable SECRET_KEY is required when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
# Under DEBUG (`make run`): the port the development server listens on and
# the local mail sink's, so that two checkouts can run side by side.
DEV_PORT = env_int("PORT", default=8000, minimum=1) if DEBUG else None
MAIL_SINK_PORT = env_int("MAIL_SINK_PORT", default=1025, minimum=1) if DEBUG else None
# Where people reach the app; links in emails start with it. Under DEBUG it
# follows PORT unless set.
SITE_URL = env_str("SITE_URL", default=f"http://127.0.0.1:{DEV_PORT}" if DEBUG else None)
if SITE_URL is None:
    raise ImproperlyConfigured("Environment variable SITE_URL is required when DEBUG is off.")
SITE_URL = SITE_URL.rstrip("/")

# Keys that encrypt secrets at rest (MFA secrets now, note narratives later).
# The first key encrypts; every key decrypts, so a new key goes first and old
# ones stay until `manage.py rotate_keys` has re-encrypted everything.
_DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktaW5zZWN1cmUta2V5LTMyLWJ5dGVzISE="  # noqa: S105
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS", default=[_DEV_ENCRYPTION_KEY] if DEBUG else []
)
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Environment variable FIELD_ENCRYPTION_KEYS is required when DEBUG is off "
        "(comma-separated Fernet keys; generate one with `python -c "
        "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)."
    )

# Signs backup manifests (HMAC-SHA256, coaching/backup): kept where the
# encryption keys are, never beside the backups; the app does not need it.
_DEV_BACKUP_SIGNING_KEY = "dev-only-insecure-backup-signing-key"  # noqa: S105
BACKUP_SIGNING_KEY = env_str("BACKUP_SIGNING_KEY", default=_DEV_BACKUP_SIGNING_KEY if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "sessions_log",
    "coaching",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, taking the person from the statement that read the session.
    "accounts.middleware.AuthenticationMiddleware",
    # A 404 on a record's URL is logged (accounts.audit, "record.not_found").
    "accounts.audit_middleware.NotFoundAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # The sessions page's address, browser and last active, on the session's row.
    "accounts.middleware.UserSessionActivityMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    "accounts.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "coaching.urls"
WSGI_APPLICATION = "coaching.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": {
        **env_database("DATABASE_URL", default="postgres://postgres@127.0.0.1:54329/coaching"),
        # Django's backend, its health check paced to once a second (coaching/postgresql).
        "ENGINE": "coaching.postgresql",
        # A new Postgres connection costs ~5 ms here: keep them.
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", default=300),
        "CONN_HEALTH_CHECKS": True,
    }
}
# The role the app's processes connect as (DATABASE_URL's, normally): it may
# read and write rows and nothing else. Migrations and `rotate_keys` run with
# DATABASE_URL set to the tables' owner, and grant this role its rights
# (common/database.py). Empty: one role does everything (not for production).
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", default=DATABASES["default"]["USER"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis_url("REDIS_URL", default="redis://127.0.0.1:63799/0")

# Redis is the shared cache (allauth's rate limits live there), but people
# must not be locked out when it is down: the failover backend falls back to
# a table in PostgreSQL, which every process also shares.
CACHES = {
    "default": {
        "BACKEND": "coaching.cache.FailoverRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "coaching",
        "OPTIONS": {
            "fallback": "database",
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
        },
    },
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cache_fallback",
        "KEY_PREFIX": "coaching",
    },
}

# Sessions live in PostgreSQL so that logging in never depends on Redis.
SESSION_ENGINE = "accounts.sessions"
# Flash messages live in the session, never in a cookie: what they say (a
# client's name, "Note signed") stays on the server.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_AGE = 12 * 60 * 60
# Enforced by accounts.middleware.SessionLimitsMiddleware (seconds).
SESSION_ABSOLUTE_LIFETIME = SESSION_COOKIE_AGE
SESSION_IDLE_STAFF = 15 * 60
SESSION_IDLE_CLIENT = 30 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; no script reads the cookie
# __Host- cookies are Secure, for this host only, with Path=/ (no Domain).
SESSION_COOKIE_NAME = "__Host-session" if SECURE_COOKIES else "session"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HTTPS: HSTS for a year wherever cookies are Secure. Redirecting http to
# https is the app's job unless the proxy in front does it.
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if SECURE_COOKIES else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_COOKIES
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's own address, for rate limits, the audit trail and the list of
# one's sessions. Behind proxies of ours, allauth takes it from
# X-Forwarded-For, TRUSTED_PROXY_COUNT entries from the right (each proxy
# appends the address it saw, so nothing a client sends can pose as it), or
# from the one header our proxy sets (TRUSTED_CLIENT_IP_HEADER, e.g.
# X-Real-IP). With neither it is REMOTE_ADDR: behind a proxy, the proxy's own,
# so every client would share one rate limit.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_header_name("TRUSTED_CLIENT_IP_HEADER", default=None)
if ALLAUTH_TRUSTED_PROXY_COUNT and ALLAUTH_TRUSTED_CLIENT_IP_HEADER:
    raise ImproperlyConfigured(
        "Set TRUSTED_PROXY_COUNT or TRUSTED_CLIENT_IP_HEADER, not both: with a header, "
        "X-Forwarded-For is not read."
    )
# The proxies those headers are believed from: a request from any other
# address (someone reaching a web host directly) is taken at its REMOTE_ADDR,
# whatever headers it carries. Empty: from any address (a web host only the
# proxy can reach).
TRUSTED_PROXY_ADDRESSES = env_networks("TRUSTED_PROXY_ADDRESSES", default=[])
SILENCED_SYSTEM_CHECKS = [
    # Joining the browsers' HSTS preload list is the operator's decision per domain.
    "security.W021",
]
# Content-Security-Policy, enforced: our own files only, inline code only
# with the per-response nonce. Images may be data: URLs (the TOTP QR code).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "display_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# Each role's home page, by URL name. Settings, so that the lower layers can
# send someone home without importing the layer whose pages those are.
HOME_URL_NAMES = {
    "client": "coaching:client_home",
    "coach": "coaching:coach_home",
    "supervisor": "coaching:team_dashboard",
    "admin": "accounts:manage",
}
LOGOUT_REDIRECT_URL = "account_login"

# allauth: email login, closed signup (invitations only), mandatory verification.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reauthenticate": "10/m/user",
}
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", default="Appointments")
# Changing email, password or MFA asks for the password again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True

# Who is invited how long.
INVITATION_VALID_DAYS = 7
# A session's note is due this long after the session ends.
NOTE_DUE_HOURS = env_int("NOTE_DUE_HOURS", default=72, minimum=1)

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env_str("EMAIL_HOST", default="127.0.0.1"),
            "port": env_int("EMAIL_PORT", default=MAIL_SINK_PORT if DEBUG else 25, minimum=1),
            "username": env_str("EMAIL_HOST_USER", default=""),
            "password": env_str("EMAIL_HOST_PASSWORD", default=""),
            "use_tls": env_bool("EMAIL_USE_TLS", default=False),
            "timeout": 10,
        },
    }
}
# A neutral sender: nothing in a mailbox should reveal what the app is for.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="Appointments <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The app's name in emails ("A form is waiting for you in Appointments"): as neutral.
APP_NAME = env_str("APP_NAME", default="Appointments")
from coaching.settings.texts import *  # noqa: E402, F403 - text messages' provider and sender

CELERY_BROKER_URL = REDIS_URL
# The queue reminder sweeps and sends go to (tests give each run its own).
REMINDER_QUEUE = env_str("REMINDER_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "sessions-clear-expired": {
        "task": "accounts.tasks.sessions_clear_expired",
        "schedule": crontab(minute=17, hour=3),
    },
    "outreach-flags-raise": {
        "task": "coaching.tasks.outreach_flags_raise",
        "schedule": crontab(minute=41, hour=4),
    },
    # Event-based consents: their coaches check monthly whether the event happened.
    "consent-events-prompt": {
        "task": "coaching.tasks.consent_events_prompt",
        "schedule": crontab(minute=23, hour=15, day_of_month=1),
        "options": {"queue": REMINDER_QUEUE},
    },
    # Records past retention: admins are told monthly (coaching/services/retention.py).
    "retention-due-notify": {
        "task": "coaching.tasks.retention_due_notify",
        "schedule": crontab(minute=47, hour=5, day_of_month=2),
    },
    "figures-check": {"task": "coaching.tasks.figures_check", "schedule": crontab(29, 2)},
    "checkin-requests-expire": {
        "task": "coaching.tasks.checkin_requests_expire",
        "schedule": crontab(minute="*/15"),
    },
    "reminders-sweep": {
        "task": "sessions_log.tasks.reminders_sweep",
        "schedule": timedelta(seconds=env_int("REMINDER_SWEEP_SECONDS", default=60, minimum=1)),
        # A sweep that waited longer than its interval is replaced by the next one.
        "options": {
            "queue": REMINDER_QUEUE,
            "expires": env_int("REMINDER_SWEEP_SECONDS", default=60, minimum=1),
        },
    },
}

# A person's language is User.language; before sign-in, the switch's cookie
# or Accept-Language (accounts.middleware.UserLanguageMiddleware).
LANGUAGE_CODE, LOCALE_PATHS = "en", [BASE_DIR / "locale"]
LANGUAGES = [("en", "English"), ("es", "Español")]
LANGUAGE_COOKIE_NAME, LANGUAGE_COOKIE_SECURE = "language", not DEBUG
# The organisation's calendar, and the day of anyone who has not chosen theirs.
TIME_ZONE = env_str("ORGANISATION_TIME_ZONE", default="UTC")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"ORGANISATION_TIME_ZONE {TIME_ZONE!r} is no time zone name.")
USE_I18N = USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where `collectstatic` puts files for production; in development WhiteNoise
# serves straight from the app and static/ folders.
STATIC_ROOT = env_str("STATIC_ROOT", default=None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    # fpdf2 logs every font table it prunes; twilio ten lines per text it sends.
    "loggers": {"fontTools": {"level": "WARNING"}, "twilio": {"level": "WARNING"}},
}

# The product's rules (reminders, check-ins, flags, plans, outreach, billing).
from coaching.settings.rules import *  # noqa: E402, F403
