from django.contrib import admin

from coaching.models import LifeArea, ReferralSource


@admin.register(LifeArea)
class LifeAreaAdmin(admin.ModelAdmin):
    """Admins edit the parts of life a plan's goals sit in. Plans themselves
    are not in the admin: people's words are read through the app, audited."""

    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]
    search_fields = ["name"]


@admin.register(ReferralSource)
class ReferralSourceAdmin(admin.ModelAdmin):
    """Admins edit where clients come from (an episode's intake). A source in
    use is switched off, not deleted: episodes keep where they came from."""

    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]
    search_fields = ["name"]
