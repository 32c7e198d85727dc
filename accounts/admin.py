from django.contrib import admin

from accounts.models import AuditEvent, CaseloadAssignment, Invitation, Team, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "display_name", "role", "team", "is_active"]
    list_filter = ["role", "team", "is_active"]
    search_fields = ["email", "display_name"]
    fields = ["email", "display_name", "role", "team", "time_zone", "is_active", "last_login"]
    readonly_fields = ["last_login"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(CaseloadAssignment)
class CaseloadAssignmentAdmin(admin.ModelAdmin):
    list_display = ["coach", "client", "started_at", "ended_at"]
    list_filter = ["ended_at"]
    raw_id_fields = ["coach", "client", "created_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "team", "invited_by", "created_at", "expires_at"]
    list_filter = ["role"]
    # The token digest is useless to a reader and is never shown.
    exclude = ["token_digest"]
    readonly_fields = ["accepted_at", "accepted_user", "created_at"]

    def has_add_permission(self, request):
        return False  # invitations are sent from the app, which emails the link


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "outcome"]
    list_filter = ["action", "outcome"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
