"""Nobody chooses the address their rate limits and audit rows are kept
under (issue 29 point 5): with TRUSTED_CLIENT_IP_HEADER and the documented
nginx configuration a client could send X-Real-IP itself and be believed.
nginx now sets the client address headers to the address it saw
($remote_addr, overwriting what the client sent), and the app takes only
the rightmost entry of the trusted header (the one our proxy wrote).
HIPAA 45 CFR 164.312(b) (audit controls: the trail names who really asked)."""

import re
from pathlib import Path

import pytest

from accounts.models import AuditEvent
from scripts.cluster import proxy

ROOT = Path(__file__).resolve().parents[2]


def _failed_login(client, person, headers, remote_addr="10.0.0.2"):
    return client.post(
        "/accounts/login/",
        {"login": person.email, "password": "not-the-password-at-all"},
        headers=headers,
        REMOTE_ADDR=remote_addr,
    )


def _own_cache(settings, name):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["X-Real-IP", "X-Forwarded-For"])
def test_only_the_entry_our_proxy_wrote_counts(client, settings, client_user, header):
    """A proxy that appends (or a client header passed on beside ours): the
    client's own entries come first, ours last; only ours is believed."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = header
    settings.TRUSTED_PROXY_ADDRESSES = []
    _own_cache(settings, f"client-ip-{header}")
    _failed_login(client, client_user, {header: "203.0.113.66, 198.51.100.9"})
    _failed_login(client, client_user, {header: "198.51.100.10"})
    addresses = list(
        AuditEvent.objects.filter(action="auth.login_failed")
        .order_by("at", "pk")
        .values_list("ip", flat=True)
    )
    assert addresses == ["198.51.100.9", "198.51.100.10"]


@pytest.mark.django_db
def test_a_forged_header_cannot_dodge_the_lockout(client, settings, client_user):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    settings.TRUSTED_PROXY_ADDRESSES = []
    _own_cache(settings, "client-ip-lockout")
    for index in range(6):
        response = _failed_login(
            client, client_user, {"X-Real-IP": f"192.0.2.{index}, 198.51.100.9"}
        )
    assert "Too many failed login attempts" in response.content.decode()


def _set_headers(conf: str) -> dict[str, str]:
    """The proxy_set_header lines of an nginx configuration: header -> value."""
    return dict(re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", conf))


def _documented_nginx() -> str:
    text = (ROOT / "docs" / "deploy.md").read_text()
    return next(
        block for block in re.findall(r"```nginx\n(.*?)```", text, re.S) if "proxy_pass" in block
    )


def test_the_documented_nginx_overwrites_the_client_address_headers():
    """Whatever a client sends as X-Real-IP or X-Forwarded-For is replaced by
    the address nginx saw, so either header can be the trusted one."""
    for conf in (_documented_nginx(), proxy.NGINX_CONF):
        headers = _set_headers(conf)
        assert headers["X-Real-IP"] == "$remote_addr"
        assert headers["X-Forwarded-For"] == "$remote_addr"


def test_the_cluster_proxy_sets_the_headers_the_docs_give():
    assert _set_headers(proxy.NGINX_CONF) == _set_headers(_documented_nginx())
