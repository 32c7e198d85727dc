"""coaching/settings/ under `make run` (DEBUG): two checkouts side by side
each send links to their own port and mail to their own sink."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS = Path(__file__).resolve().parents[2] / "coaching" / "settings" / "__init__.py"
DEV = ("PORT", "MAIL_SINK_PORT", "SITE_URL", "EMAIL_PORT", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS")


def _settings_from(monkeypatch, **env) -> dict:
    """The settings module as it reads this environment (run afresh)."""
    for name in DEV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_it_sends_links_to_port_8000_and_mail_to_1025_by_default(monkeypatch):
    read = _settings_from(monkeypatch, DEBUG="true")
    assert read["SITE_URL"] == "http://127.0.0.1:8000"
    assert read["MAILERS"]["default"]["OPTIONS"]["port"] == 1025


def test_links_follow_port_and_mail_follows_the_sink(monkeypatch):
    read = _settings_from(monkeypatch, DEBUG="true", PORT="8815", MAIL_SINK_PORT="1815")
    assert read["SITE_URL"] == "http://127.0.0.1:8815"
    assert read["MAIL_SINK_PORT"] == 1815
    assert read["MAILERS"]["default"]["OPTIONS"]["port"] == 1815


def test_site_url_and_email_port_win_when_set(monkeypatch):
    read = _settings_from(
        monkeypatch,
        DEBUG="true",
        PORT="8815",
        SITE_URL="https://coaching.example.org/",
        MAIL_SINK_PORT="1815",
        EMAIL_PORT="2525",
    )
    assert read["SITE_URL"] == "https://coaching.example.org"
    assert read["MAILERS"]["default"]["OPTIONS"]["port"] == 2525


def test_without_debug_port_means_nothing(monkeypatch):
    read = _settings_from(
        monkeypatch,
        DEBUG="false",
        PORT="not-a-port",
        SITE_URL="https://coaching.example.org",
        SECRET_KEY="k",
        FIELD_ENCRYPTION_KEYS="dGVzdC1vbmx5LWluc2VjdXJlLWtleS0zMi1ieXRlcyE=",
    )
    assert read["SITE_URL"] == "https://coaching.example.org"
    assert read["MAILERS"]["default"]["OPTIONS"]["port"] == 25


def test_a_port_that_is_no_number_stops_start_up(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="MAIL_SINK_PORT must be a whole number"):
        _settings_from(monkeypatch, DEBUG="true", MAIL_SINK_PORT="ten-twenty-five")
