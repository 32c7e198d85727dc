"""The Django admin shows what services own and lets admins edit only the
rest: role, team, email, activation, relationships and invitations change
through the app's audited services (invitations, reassignment), never here."""

from django.contrib import admin

from accounts.models import AuditEvent, CaseloadAssignment, Invitation, Team, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed for reading; written only by the app's services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
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
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(CaseloadAssignment)
class CaseloadAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["coach", "client", "started_at", "ended_at"]
    list_filter = ["ended_at"]


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
