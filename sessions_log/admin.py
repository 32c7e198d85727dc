from django.contrib import admin

from sessions_log.models import ServiceType


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    """Admins edit the list of services coaches tick on notes. Notes and
    sessions are not in the admin: they are read through the app, audited."""

    list_display = ["name", "active"]
    list_editable = ["active"]
    search_fields = ["name"]
