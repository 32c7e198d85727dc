import time
import uuid
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.audit import RequestContext, audit_record, current_request
from accounts.policy import mfa_completed_this_login, mfa_enabled


class RequestContextMiddleware:
    """Give each request an id (echoed in `X-Request-ID`) for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = str(uuid.uuid4())
        # The proxy in front of us is trusted to set REMOTE_ADDR correctly.
        token = current_request.set(
            RequestContext(request_id=request.id, ip=request.META.get("REMOTE_ADDR") or None)
        )
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.id
        return response


class UserTimezoneMiddleware:
    """Show times in the viewer's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


# Pages a staff member may open before MFA is done: the account pages
# (login, logout, MFA setup, password), static files and the health check.
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz")


class StaffMFARequiredMiddleware:
    """Coaches, supervisors and admins reach no client data without MFA.

    allauth enforces MFA only for users who have set it up; this adds the rule
    per role: staff must set it up, and must have completed it in this login.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff_role
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
        ):
            if not mfa_enabled(user):
                messages.info(
                    request,
                    "Set up two-factor authentication to continue: your role gives you "
                    "access to people's records.",
                )
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
            if not mfa_completed_this_login(request):
                url = reverse("mfa_reauthenticate") + "?" + urlencode({"next": request.path})
                return HttpResponseRedirect(url)
        return self.get_response(request)


class SessionLimitsMiddleware:
    """Sign people out after idle time (15 minutes for staff, 30 for clients)
    and at the latest 12 hours after they signed in, ending the session on
    the server: someone else may pick up a shared or lost phone."""

    # Write the last-seen time at most this often (each write is a query).
    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault("limits_started_at", now)
            last_seen = session.get("limits_last_seen", now)
            idle = (
                settings.SESSION_IDLE_STAFF if user.is_staff_role else settings.SESSION_IDLE_CLIENT
            )
            if now - last_seen > idle or now - started > settings.SESSION_ABSOLUTE_LIFETIME:
                audit_record(actor=user, action="auth.session_expired", obj=user)
                logout(request)
                messages.info(
                    request,
                    "You were signed out to keep your information safe. Please sign in again.",
                )
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= self.TOUCH_EVERY or "limits_last_seen" not in session:
                session["limits_last_seen"] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a signed-in person are never kept by browsers or proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response
