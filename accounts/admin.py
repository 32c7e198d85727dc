"""The Django admin shows what services own and lets admins edit only the
rest: role, team, email, activation, relationships and invitations change
through the app's audited services (invitations, reassignment, the People
page), never here. allauth's email addresses, authenticators and sessions are
listed read-only: verifying an address, removing someone's second factor or
moving a session to another person are not an admin's to do by hand."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group

from accounts.audit_admin import AuditedAdmin
from accounts.models import (
    AuditEvent,
    CaseloadAssignment,
    Invitation,
    LoginSession,
    Team,
    User,
)


class ReadOnlyAdmin(AuditedAdmin):
    """Listed for reading; written only by the app's services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Django's groups, as Django's admin edits them, audited.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, DjangoGroupAdmin):
    pass


# allauth registers its own, writable, admins for these; ours replace them.
for _model in (EmailAddress, Authenticator):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(EmailAddress)
class EmailAddressAdmin(ReadOnlyAdmin):
    list_display = ["email", "user", "primary", "verified"]
    list_filter = ["primary", "verified"]
    search_fields = ["email", "user__display_name"]
    actions = None  # allauth's "mark as verified" would skip the invitation


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    # The (encrypted) secrets and recovery seeds are never shown.
    exclude = ["data"]
    actions = None


@admin.register(LoginSession)
class LoginSessionAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at", "last_seen_at", "ip"]
    # Neither the key's digest nor the session's contents are shown.
    exclude = ["session_key", "session_data"]
    actions = None


@admin.register(User)
class UserAdmin(AuditedAdmin):
    list_display = ["email", "display_name", "role", "team", "is_active"]
    list_filter = ["role", "team", "is_active"]
    search_fields = ["email", "display_name"]
    fields = ["email", "display_name", "role", "team", "time_zone", "is_active", "last_login"]
    # Owned by services: who someone is, what they may see, whether they may sign in.
    readonly_fields = ["email", "role", "team", "is_active", "last_login"]

    def has_add_permission(self, request):
        return False  # people join by invitation

    def has_delete_permission(self, request, obj=None):
        return False  # records about them must stay; deactivation ends access


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    # Teams are created (audited) on the app's manage page.
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(CaseloadAssignment)
class CaseloadAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["coach", "client", "started_at", "ended_at"]
    list_filter = ["ended_at"]
    # Why a client moved coach is between them and the supervisor.
    exclude = ["end_reason"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "role", "team", "invited_by", "created_at", "expires_at"]
    list_filter = ["role"]
    # The token digest is useless to a reader and is never shown.
    exclude = ["token_digest"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "outcome"]
    list_filter = ["action", "outcome"]
