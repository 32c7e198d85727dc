"""Django admin edits, audited: every add, change and delete made in the
admin site writes audit events through accounts.audit, as the app's own
services do (which model, which record, which fields changed: the fields'
names, never their content).

Every ModelAdmin registered in the project is an `AuditedAdmin`
(tests/accounts/test_admin_audit.py checks the admin site's registry), so a
name, a service code or a payer changed by hand leaves a trace like a change
made through a page."""

from django.contrib import admin

from accounts.audit import audit_admin_edit


class AuditedAdmin(admin.ModelAdmin):
    def construct_change_message(self, request, form, formsets, add=False):
        # The form is gone by the time log_change runs; keep which fields
        # it changed (their names) for it, per object (list_editable saves
        # several objects in one request).
        changed = getattr(request, "_audited_fields", {})
        changed[form.instance.pk] = list(form.changed_data)
        for formset in formsets or ():
            changed[form.instance.pk] += [
                f"{formset.prefix}.{name}" for sub in formset.forms for name in sub.changed_data
            ]
        request._audited_fields = changed
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request, obj, message):
        audit_admin_edit(actor=request.user, verb="add", objects=[obj])
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        fields = getattr(request, "_audited_fields", {}).get(obj.pk, [])
        audit_admin_edit(actor=request.user, verb="change", objects=[obj], fields=fields)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        audit_admin_edit(actor=request.user, verb="delete", objects=list(queryset))
        return super().log_deletions(request, queryset)
