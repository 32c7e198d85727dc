"""The product's rules, as settings so that a deployment (and a test) can set
its own: when reminders go, how check-ins and trust flags behave, when a plan
is due, when a client counts as not reached, how minutes become billable
units. coaching/settings/__init__.py reads the rest (infrastructure)."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from coaching.env import env_bool, env_int, env_str

# Reminder emails (sessions_log: the Reminder outbox). Offsets count back from
# the session's start; whole days keep the recipient's wall-clock time across
# a DST change ("24 hours before" a 09:00 session is 09:00 the day before).
REMINDER_OFFSETS = {
    "first_reminder": timedelta(hours=24),
    "second_reminder": timedelta(hours=1),
}
# A leased row comes back to the sweep after this long. It is longer than the
# task's hard time limit, so the task that held the lease is dead by then.
REMINDER_LEASE = timedelta(seconds=env_int("REMINDER_LEASE_SECONDS", default=120, minimum=1))
REMINDER_RETRY_BASE = timedelta(
    seconds=env_int("REMINDER_RETRY_BASE_SECONDS", default=30, minimum=1)
)
REMINDER_RETRY_MAX = timedelta(
    seconds=env_int("REMINDER_RETRY_MAX_SECONDS", default=900, minimum=1)
)
REMINDER_SWEEP_BATCH = 500
# /healthz turns unhealthy when a reminder is later than this.
REMINDER_LATE_AFTER = timedelta(minutes=5)
# What /healthz reports as the app's version: the deployment sets it (a git
# commit or release tag); the package's version otherwise.
APP_VERSION = env_str("APP_VERSION", default="0.1.0")
# /healthz shows its details (version, replicas, Redis, reminder lag) only to
# a request with this in its X-Healthz-Token header (monitoring, the proxy's
# checker) or to a signed-in admin; empty: to admins only.
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN", default="")
CHECKIN_VALID_DAYS = 7
# A session that ended longer ago than this (a contact logged late) asks for no check-in.
CHECKIN_ASK_WITHIN_DAYS = 7
# An unanswered check-in request gets one reminder email this long after it was asked.
CHECKIN_REMINDER_AFTER = timedelta(days=3)

# Trust check-ins (coaching/scoring.py). A client may also check in between
# sessions, at most once in this many days.
CHECKIN_BETWEEN_SESSIONS_DAYS = 7
TRUST_FLAG_SCORE_BELOW = 70
TRUST_FLAG_ITEM_AT_MOST = 5
TRUST_FLAG_DROP = 10
TRUST_FLAG_BASELINE_CHECKINS = 3
TRUST_FLAG_UNANSWERED = 3
TRUST_SPARKLINE_POINTS = 8
TRUST_PANEL_CHECKINS = 12
# Resolved flags stay in the flags inbox and the dashboard's figures this long.
RESOLVED_FLAGS_SHOWN_DAYS = 30

# The recovery plan: an agreed plan is due for review this many days after
# its last agreement; a client without one is flagged this many days after
# their relationship with their coach started.
PLAN_REVIEW_DAYS = 90
PLAN_AGREE_WITHIN_DAYS = 30

# Outreach (coaching/selectors/outreach.py): a client counts as "not reached"
# on the pages after this many days without a successful contact (an attempt
# that reached them, or a completed session); after OUTREACH_FLAG_DAYS the
# daily task raises a flag for their coach and supervisor.
OUTREACH_NO_CONTACT_DAYS = 14
OUTREACH_FLAG_DAYS = env_int("OUTREACH_FLAG_DAYS", default=30, minimum=1)
OUTREACH_ATTEMPTS_SHOWN = 20

# Billing (sessions_log/billing.py, sessions_log/units.py): minutes spent
# become units of BILLING_UNIT_MINUTES; a part unit counts once
# BILLING_UNIT_THRESHOLD_MINUTES of it were given (CMS Pub. 100-04 ch. 5
# §20.2 for 15-minute codes). Whether a day's minutes are summed first (CMS)
# or each session rounded, and the daily cap (16 by default), are each
# programme's (FundingProgramme.unit_rule, daily_unit_cap), not settings.
# BILLING_REQUIRES_COSIGN: a signed note makes its session billable only
# once a supervisor co-signed it.
BILLING_UNIT_MINUTES = env_int("BILLING_UNIT_MINUTES", default=15, minimum=1)
BILLING_UNIT_THRESHOLD_MINUTES = env_int("BILLING_UNIT_THRESHOLD_MINUTES", default=8, minimum=1)
BILLING_REQUIRES_COSIGN = env_bool("BILLING_REQUIRES_COSIGN", default=True)
if BILLING_UNIT_THRESHOLD_MINUTES > BILLING_UNIT_MINUTES:
    raise ImproperlyConfigured(
        "BILLING_UNIT_THRESHOLD_MINUTES cannot be more than BILLING_UNIT_MINUTES."
    )

# The funder report hides every count from 1 to FUNDER_REPORT_MIN_CELL - 1,
# and whatever would let one be worked out (CMS's cell size policy: counts
# 1-10 hidden, so 11 by default). A funder that asks for more sets it higher.
FUNDER_REPORT_MIN_CELL = env_int("FUNDER_REPORT_MIN_CELL", default=11, minimum=2)

# Retention (coaching/selectors/retention.py, `manage.py retention_destroy`):
# years a record is kept after its last effective date. HIPAA keeps
# documentation 6 years from creation or last effective date (45 CFR
# 164.316(b)(2)(i)); a state may ask for longer, never shorter.
RETENTION_MINIMUM_YEARS = 6
RETENTION_YEARS = {
    "client_record": env_int("RETENTION_CLIENT_RECORD_YEARS", default=RETENTION_MINIMUM_YEARS),
    "audit_trail": env_int("RETENTION_AUDIT_TRAIL_YEARS", default=RETENTION_MINIMUM_YEARS),
}
for _kind, _years in RETENTION_YEARS.items():
    if _years < RETENTION_MINIMUM_YEARS:
        raise ImproperlyConfigured(
            f"RETENTION_{_kind.upper()}_YEARS is {_years}: records are kept at least "
            f"{RETENTION_MINIMUM_YEARS} years (HIPAA, 45 CFR 164.316(b)(2)(i)); "
            "set it to 6 or more."
        )
