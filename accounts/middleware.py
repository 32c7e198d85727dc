import re
import time
import uuid
import zoneinfo
from functools import wraps

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.audit import RequestContext, audit_record, current_request
from accounts.backends import loaded_person
from accounts.languages import language_remember
from accounts.models.login_sessions import USER_AGENT_LENGTH
from accounts.policy import mfa_completed_this_login, mfa_enabled


def _client_ip(request) -> str | None:
    try:
        return get_adapter(request).get_client_ip(request) or None
    except (PermissionDenied, ImproperlyConfigured):
        return None  # a forged or malformed header: record no address rather than a wrong one


class RequestContextMiddleware:
    """Give each request an id (echoed in `X-Request-ID`) for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = str(uuid.uuid4())
        # The client's address as allauth's rate limits see it: REMOTE_ADDR,
        # or the trusted proxy header when TRUSTED_PROXY_COUNT /
        # TRUSTED_CLIENT_IP_HEADER say one is in front of us.
        request.client_ip = _client_ip(request)  # resolved once per request
        token = current_request.set(RequestContext(request_id=request.id, ip=request.client_ip))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.id
        return response


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        # The person the session's statement loaded (asking the session
        # for its person's key reads it), checked by Django as ever: the
        # backend, the session's auth hash, is_active.
        session = request.session
        signed_in = auth.SESSION_KEY in session
        with loaded_person(getattr(session, "person", None) if signed_in else None):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, without a second statement for the person: the session
    store loaded them with the session (accounts/sessions.py)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))


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


class UserLanguageMiddleware:
    """Speak the viewer's language: a signed-in person's own choice
    (User.language), else the language switch's cookie or the browser's
    Accept-Language. Not URL prefixes: a client's links (check-in emails,
    calendar entries) stay the same whatever language they choose."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and translation.check_for_language(user.language):
            language = user.language
        else:
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # The thread serves someone else next (a worker thread, a test):
            # nothing renders after this (no streamed responses here).
            translation.deactivate()
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        if not signed_in:
            # The same address answers in another language for another browser.
            patch_vary_headers(response, ("Accept-Language",))
        elif request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            # After signing out (or being signed out) the sign-in page still
            # speaks the person's language, whatever the browser asks for.
            language_remember(response, language)
        return response


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
                    _(
                        "Set up two-factor authentication to continue: your role gives you "
                        "access to people's records."
                    ),
                )
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
            if not mfa_completed_this_login(request):
                url = reverse("mfa_reauthenticate") + "?" + urlencode({"next": request.path})
                return HttpResponseRedirect(url)
        return self.get_response(request)


# How often a signed-in person's session is written just to say they are
# still there (each write is a statement): the idle limit's last-seen time
# and "last active" on the sessions page, both to the minute.
ACTIVITY_EVERY = 60


class UserSessionActivityMiddleware:
    """What the sessions page shows of each session (address, browser, last
    active), kept on the session's own row (LoginSession) and written with
    it: every write of the row records the request's address, browser and
    time. The row is written anyway on a sign-in and whenever the session
    changes; this makes sure it is also written when the address or browser
    changes (at once), and otherwise at most every ACTIVITY_EVERY seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        client = (request.client_ip, request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH])
        session.client = client
        if request.user.is_authenticated and session.session_key:
            now = time.time()
            if (
                session.get("activity_client") != list(client)
                or now - session.get("activity_at", 0) >= ACTIVITY_EVERY
            ):
                session["activity_client"] = list(client)
                session["activity_at"] = now
        return self.get_response(request)


class SessionLimitsMiddleware:
    """Sign people out after idle time (15 minutes for staff, 30 for clients)
    and at the latest 12 hours after they signed in, ending the session on
    the server: someone else may pick up a shared or lost phone."""

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
                    # Translated now, in the language they chose (still active): the
                    # sign-in page that shows it speaks the browser's.
                    _("You were signed out to keep your information safe. Please sign in again."),
                )
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= ACTIVITY_EVERY or "limits_last_seen" not in session:
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


# ------------------------------------------------ reads only on purpose

# Browsers that send Sec-Fetch-Site on every navigation (over HTTPS, and to
# localhost): Chromium 76, Firefox 90, Safari 16.4 (all iOS browsers use it).
_CHROMIUM = re.compile(r"\bChrom(?:e|ium)/(\d+)")
_FIREFOX = re.compile(r"\bFirefox/(\d+)")
_IOS = re.compile(r"\bCPU (?:iPhone )?OS (\d+)_(\d+)")
_SAFARI = re.compile(r"\bVersion/(\d+)\.(\d+).*\bSafari/")


def sends_fetch_metadata(user_agent: str) -> bool:
    """Whether this browser always says where a navigation came from."""
    if match := _IOS.search(user_agent):
        return (int(match[1]), int(match[2])) >= (16, 4)
    if match := _CHROMIUM.search(user_agent):
        return int(match[1]) >= 76
    if match := _FIREFOX.search(user_agent):
        return int(match[1]) >= 90
    if match := _SAFARI.search(user_agent):
        return (int(match[1]), int(match[2])) >= (16, 4)
    return False


def navigation_is_deliberate(request) -> bool:
    """A navigation the person made on purpose: from a page of this site
    (same-origin), or typed, bookmarked or opened from another app (none).
    Not a link, form, image or script on another site, nor on a sibling
    subdomain (same-site), and not a browser that always says where it came
    from and did not. Programs that never send the header (the test client,
    old browsers) are taken at their word."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is None:
        return not sends_fetch_metadata(request.headers.get("User-Agent", ""))
    return site in ("same-origin", "none")


# A page rather than a template file: it belongs to deliberate_read alone.


def deliberate_read(view):
    """For a page that records that someone saw a client's data: show it
    (and record the read) only when the person navigated to it on purpose.
    Otherwise another site could make a supervisor "look at" client 123 by
    linking, framing or redirecting to it: they get a page asking whether to
    open the record instead, with a link that is a same-site navigation.
    Nothing is read or recorded until they follow it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if navigation_is_deliberate(request):
            return view(request, *args, **kwargs)
        return confirm_open(request)

    return wrapper


def confirm_open(request) -> HttpResponse:
    """The "Open this record?" page: a link to the same address, which the
    browser then fetches as a same-origin navigation."""
    response = render(request, "accounts/confirm_open.html", {"path": request.get_full_path()})
    response["Cache-Control"] = "no-store"
    return response
