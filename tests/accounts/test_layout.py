"""The layout's parts kept per process (accounts/templatetags/layout.py):
each is what its template renders for the same request, whoever asks
first; the header carries this request's CSRF token and return address;
and a page's whole layout is what the templates print."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import resolve
from django.utils import translation

from accounts.forms import ClientInvitationForm, TeamForm
from accounts.models import Role, User
from accounts.templatetags import layout
from tests.helpers import sign_in

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PATHS = ["/", "/caseload/", "/caseloads/", "/my/plan/", "/no/such/page/"]


def _request(user, path: str):
    request = RequestFactory().get(path)
    request.user = user
    try:
        request.resolver_match = resolve(path.split("?")[0])
    except Exception:  # noqa: BLE001 - an unknown page has no match, as a 404 has none
        request.resolver_match = None
    return request


HEADER = engines["django"].from_string("{% load layout %}{% site_header %}")


def _header(request) -> str:
    # Rendered as a page renders it: the context processors' user, request
    # and CSRF token.
    return HEADER.render(request=request)


def _masked(html: str) -> str:
    # Each rendering masks the token afresh: compare what it stands for.
    return TOKEN.sub(
        lambda m: f'name="csrfmiddlewaretoken" value="{_unmask_cipher_token(m[1])}"', html
    )


def _person(role):
    return AnonymousUser() if role is None else User(pk=1, role=role, display_name="Ana")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("role", [None, Role.CLIENT, Role.COACH, Role.SUPERVISOR, Role.ADMIN])
def test_the_kept_header_is_what_its_template_renders_for_each_person_page_and_language(
    role, language
):
    layout._kept.clear()
    with translation.override(language):
        for path in PATHS:
            request = _request(_person(role), f"{path}?back=<a>&x=1")
            get_token(request)
            reference = render_to_string("includes/header.html", request=request)
            kept = _header(request)
            assert _masked(kept) == _masked(reference)


def test_the_header_carries_each_requests_own_token_and_return_address():
    layout._kept.clear()
    client = _person(Role.CLIENT)
    first, second = _request(client, "/my/plan/?a=1"), _request(client, "/my/plan/?b=2&c=3")
    printed = []
    for request in (first, second):
        secret = _unmask_cipher_token(get_token(request))
        html = _header(request)
        assert {_unmask_cipher_token(token) for token in TOKEN.findall(html)} == {secret}
        printed.append(html)
    assert 'name="next" value="/my/plan/?a=1"' in printed[0]
    # Escaped as the template escapes it, and not the first request's.
    assert 'name="next" value="/my/plan/?b=2&amp;c=3"' in printed[1]
    assert "a=1" not in printed[1]


def test_the_footer_and_assets_follow_the_language():
    layout._kept.clear()
    with translation.override("en"):
        english = layout.site_footer()
        assets = layout.layout_assets()
    with translation.override("es"):
        spanish = layout.site_footer()
    assert english == render_to_string("includes/footer.html")
    assert "Who sees your records" in english
    assert "Who sees your records" not in spanish
    assert spanish.startswith('<footer class="site-footer">')
    assert assets == render_to_string("includes/assets.html")
    assert "css/app." in assets


def test_a_changed_setting_is_seen_by_the_next_page(settings):
    layout._kept.clear()
    request = _request(AnonymousUser(), "/")
    get_token(request)
    _header(request)
    assert layout._kept
    settings.LANGUAGES = [("en", "English")]
    assert not layout._kept
    html = _header(request)
    assert 'value="es"' not in html


@pytest.mark.django_db
def test_a_signed_in_page_has_the_layout_and_signs_out_with_its_token(client, coach):
    sign_in(client, coach)
    page = client.get("/caseload/")
    html = page.content.decode()
    assert html.count('<header class="site-header">') == 1
    assert html.count('<footer class="site-footer">') == 1
    assert 'aria-current="page">My caseload</a>' in html
    token = TOKEN.search(html)[1]
    signed_out = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert signed_out.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_blank_invitation_form_is_kept_as_its_template_renders_it(language):
    layout._kept.clear()
    with translation.override(language):
        reference = render_to_string("includes/form.html", {"form": ClientInvitationForm()})
        first = layout.form_fields(ClientInvitationForm())
        assert first == reference
        assert layout.form_fields(ClientInvitationForm()) == reference
    assert 'name="email"' in reference
    assert ("Idioma" in reference) == (language == "es")


def test_a_form_with_errors_or_its_own_values_is_rendered_for_itself():
    layout._kept.clear()
    blank = layout.form_fields(ClientInvitationForm())
    invalid = ClientInvitationForm(data={"email": "not an address", "language": "en"})
    assert not invalid.is_valid()
    shown = layout.form_fields(invalid)
    assert 'class="error"' in shown and 'value="not an address"' in shown
    assert layout.form_fields(ClientInvitationForm(initial={"email": "a@example.org"})) != blank
    assert 'value="a@example.org"' in layout.form_fields(
        ClientInvitationForm(initial={"email": "a@example.org"})
    )
    # A form whose class does not say its fields are everyone's is never kept.
    kept = len(layout._kept)
    assert 'name="name"' in layout.form_fields(TeamForm())
    assert len(layout._kept) == kept


def test_a_page_rendered_without_a_request_gets_the_signed_out_header():
    layout._kept.clear()
    page = engines["django"].from_string('{% extends "base.html" %}').render({})
    reference = render_to_string("includes/header.html", {})
    assert page.count('<header class="site-header">') == 1
    assert reference in page
    assert "Sign out" not in page
