"""Audit events for authentication, and the MFA record after set-up."""

from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_used
from allauth.usersessions.models import UserSession
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.audit import audit_record
from accounts.models import AuditEvent, User


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    email = (credentials or {}).get("email") or (credentials or {}).get("username") or ""
    user = User.objects.filter(email__iexact=email).first() if email else None
    audit_record(
        actor=user, action="auth.login_failed", obj=user, outcome=AuditEvent.Outcome.FAILED
    )


@receiver(password_changed)
def _password_changed(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.password_change", obj=user)


@receiver(password_reset)
def _password_reset(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.password_reset", obj=user)


@receiver(authenticator_used)
def _mfa_used(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=f"auth.mfa_{authenticator.type}", obj=user)


@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=f"auth.mfa_added_{authenticator.type}", obj=user)
    # Activating TOTP means typing a valid code, so this login has now passed a
    # second factor; without this record the MFA policy would ask again at once.
    if request is not None and authenticator.type == "totp":
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


@receiver(post_save, sender=User)
def _deactivated(sender, instance, **kwargs):
    """A deactivated account is signed out everywhere, on the server."""
    if instance.is_active:
        return
    ended = 0
    for user_session in UserSession.objects.filter(user=instance):
        user_session.end()
        ended += 1
    if ended:
        audit_record(actor=None, action="auth.sessions_ended", obj=instance)
