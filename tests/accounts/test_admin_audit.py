"""accounts/audit_admin.py: edits in the Django admin site are audited
(issue 29, point 5: "Django admin edits of names, service codes and payers
rewrite history with no audit event").

HIPAA 45 CFR 164.312(b) (audit controls) and 164.312(c)(1) (integrity: a
record changed must leave a trace of who changed it, and when). The events
name the model, the record and the fields changed, never their content."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.audit_admin import AuditedAdmin
from accounts.models import AuditEvent
from coaching.models import LifeArea
from sessions_log.models import ServiceCode
from tests.helpers import sign_in


def test_every_model_in_the_admin_site_is_audited():
    unaudited = [
        f"{model._meta.label}: {type(model_admin).__name__}"
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdmin)
    ]
    assert not unaudited


def _admin_events(admin_user):
    return AuditEvent.objects.filter(actor=admin_user, action__startswith="admin.")


def _form_data(model_admin, request, obj, **changes) -> dict:
    """What the admin's change form would send back unchanged, with `changes`."""
    form = model_admin.get_form(request, obj)(instance=obj)
    data = {name: form[name].value() for name in form.fields}
    # A field with a callable default (a person's time zone) is sent with
    # its initial value in a hidden input, as the browser would.
    data |= {
        f"initial-{name}": form[name].value()
        for name, field in form.fields.items()
        if field.show_hidden_initial
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value not in (None, False)}


@pytest.mark.django_db
def test_a_service_code_description_changed_in_the_admin_is_audited_without_its_text(
    client, admin_user, rf
):
    code = ServiceCode.objects.order_by("pk").first()
    sign_in(client, admin_user)
    request = rf.get("/")
    request.user = admin_user
    data = _form_data(
        admin.site._registry[ServiceCode], request, code, description="Peer support, REWRITTEN"
    )
    url = reverse("admin:sessions_log_servicecode_change", args=[code.pk])
    assert client.post(url, data).status_code == 302
    code.refresh_from_db()
    assert code.description == "Peer support, REWRITTEN"
    event = _admin_events(admin_user).get()
    assert (event.action, event.object_type, event.object_id) == (
        "admin.change.description",
        "servicecode",
        str(code.pk),
    )
    row = AuditEvent.objects.filter(pk=event.pk).values()[0]
    assert not any("REWRITTEN" in str(value) for value in row.values())


@pytest.mark.django_db
def test_adding_and_deleting_in_the_admin_are_audited(client, admin_user):
    sign_in(client, admin_user)
    add = reverse("admin:coaching_lifearea_add")
    assert client.post(add, {"name": "Faith", "position": 9, "active": "on"}).status_code == 302
    area = LifeArea.objects.get(name="Faith")
    delete = reverse("admin:coaching_lifearea_delete", args=[area.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not LifeArea.objects.filter(pk=area.pk).exists()
    assert list(_admin_events(admin_user).order_by("pk").values_list("action", "object_id")) == [
        ("admin.add", str(area.pk)),
        ("admin.delete", str(area.pk)),
    ]


@pytest.mark.django_db
def test_a_clients_name_changed_in_the_admin_shows_in_their_who_viewed(
    client, admin_user, client_user, rf
):
    sign_in(client, admin_user)
    request = rf.get("/")
    request.user = admin_user
    model_admin = admin.site._registry[type(client_user)]
    data = _form_data(model_admin, request, client_user, display_name="Robin Renamed")
    url = reverse("admin:accounts_user_change", args=[client_user.pk])
    assert client.post(url, data).status_code == 302
    event = _admin_events(admin_user).get()
    assert (event.action, event.client_id) == ("admin.change.display_name", client_user.pk)
    sign_in(client, client_user)
    page = client.get(reverse("accounts:record_views")).content.decode()
    assert "Alex Admin (admin) changed your account in the admin site" in page
