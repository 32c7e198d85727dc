import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from common import crypto, emails


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # People join only through an invitation (accounts.views.invitation_accept).
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's mail (a password reset among it) goes nowhere for an
        undeliverable address: a client with no login (common/emails.py).
        It goes in its reader's language (User.language; allauth's own
        templates have Spanish), not the language of the request that asked
        for it: someone else may have typed the address."""
        if not emails.deliverable(email):
            return
        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).only("language").first()
        language = emails.recipient_language(user.language if user else None)
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        """A reset link goes only to an address the account proved it holds:
        one added and never verified (by whoever had the session) is not a
        way into the account."""
        if EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
            super().send_password_reset_mail(user, email, context)

    def get_client_ip(self, request) -> str:
        """The proxy's X-Forwarded-For (or client IP header) counts only on a
        request that comes from a trusted proxy's address: someone reaching
        a web host directly cannot choose the address their rate limits and
        audit rows are kept under. Of the client IP header, only the
        rightmost entry counts: the one our proxy wrote (docs/deploy.md's
        nginx overwrites it with the address it saw; one that appends puts
        whatever the client sent first)."""
        if settings.TRUSTED_PROXY_ADDRESSES and not _from_trusted_proxy(request):
            return _remote_addr(request)
        header = settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER
        if header:
            written = request.headers.get(header, "").rsplit(",", 1)[-1].strip()
            try:
                return str(ipaddress.ip_address(written))
            except ValueError:
                raise PermissionDenied("Unable to determine client IP address") from None
        return super().get_client_ip(request)

    def pre_authenticate(self, request, **credentials) -> None:
        """Too many failed logins lock the account for a while; that is an
        authentication event too, so it is audited."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            email = credentials.get("email") or credentials.get("username") or ""
            user = User.objects.filter(email__iexact=email).first() if email else None
            audit_record(
                actor=None, action="auth.lockout", obj=user, outcome=AuditEvent.Outcome.DENIED
            )
            raise


class MFAAdapter(DefaultMFAAdapter):
    """allauth stores TOTP secrets and recovery seeds in the clear by default."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)


def _remote_addr(request) -> str:
    address = request.META.get("REMOTE_ADDR")
    if not address:
        raise PermissionDenied("Unable to determine client IP address")
    return address


def _from_trusted_proxy(request) -> bool:
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in network for network in settings.TRUSTED_PROXY_ADDRESSES)
