"""When someone's way of signing in is reset (password reset, an MFA
authenticator removed or reset), their private calendar feed link stops
working: whoever may have had the account may also have copied the link.

Connected here rather than in accounts: the feed belongs to this layer, and
accounts imports nothing above it."""

from allauth.account.signals import password_reset
from allauth.mfa.signals import authenticator_removed, authenticator_reset
from django.dispatch import receiver

from sessions_log.services.calendar import calendar_feed_revoke_after_reset


@receiver(password_reset)
def _password_reset(sender, request, user, **kwargs):
    calendar_feed_revoke_after_reset(user=user)


@receiver(authenticator_removed)
@receiver(authenticator_reset)
def _mfa_changed(sender, request, user, authenticator, **kwargs):
    calendar_feed_revoke_after_reset(user=user)
