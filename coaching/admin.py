from django.contrib import admin

from coaching.models import LifeArea


@admin.register(LifeArea)
class LifeAreaAdmin(admin.ModelAdmin):
    """Admins edit the parts of life a plan's goals sit in. Plans themselves
    are not in the admin: people's words are read through the app, audited."""

    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]
    search_fields = ["name"]
