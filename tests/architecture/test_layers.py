"""Imports flow one way, accounts <- sessions_log <- coaching: lint-imports
holds the Python side (pyproject.toml); these hold the templates and the
hooks through which a lower layer tells the one above."""

import re
from pathlib import Path

from django.apps import apps
from django.template import engines

from sessions_log import hooks

LAYERS = ["accounts", "sessions_log", "coaching"]
ROOT = Path(__file__).resolve().parents[2]
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")


def _tag_libraries() -> dict[str, str]:
    """Each of our template tag libraries, and the app (layer) it belongs to."""
    libraries = engines["django"].engine.template_libraries
    return {
        name: module.__name__.split(".")[0]
        for name, module in ((name, _module_of(lib)) for name, lib in libraries.items())
        if module is not None and module.__name__.split(".")[0] in LAYERS
    }


def _module_of(library):
    # A Library's tags and filters are functions of the module that registered them.
    for function in [*library.tags.values(), *library.filters.values()]:
        module = getattr(function, "__module__", "")
        if module.startswith(tuple(f"{layer}." for layer in LAYERS)):
            return __import__(module, fromlist=["_"])
    return None


def _breaches(root: Path) -> list[str]:
    """Templates under root/templates/<layer>/ that load a tag library of a
    layer above their own."""
    owners = _tag_libraries()
    found = []
    for path in (root / "templates").glob("*/**/*.html"):
        layer = path.relative_to(root / "templates").parts[0]
        if layer not in LAYERS:
            continue
        for match in LOAD.finditer(path.read_text()):
            for name in match.group(1).split():
                owner = owners.get(name)
                if owner and LAYERS.index(owner) > LAYERS.index(layer):
                    found.append(f"{path.relative_to(root)} loads {name} ({owner})")
    return found


def test_no_template_loads_a_tag_library_of_a_higher_layer():
    assert set(_tag_libraries().values()) >= {"accounts", "coaching"}
    assert _breaches(ROOT) == []


def test_a_lower_layer_template_loading_trust_tags_is_a_breach(tmp_path):
    page = tmp_path / "templates" / "sessions_log" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_text('{% extends "base.html" %}{% load static trust %}')
    assert _breaches(tmp_path) == ["templates/sessions_log/page.html loads trust (coaching)"]


def test_coaching_plugs_into_the_hooks_of_the_layer_below():
    # Registered from CoachingConfig.ready (what each does is tested with
    # the check-ins: a completed session asks, the outbox sends the ask).
    assert apps.is_installed("coaching")
    assert hooks.session_completed.has_listeners()
    assert hooks.checkin_email.still_open.__module__.startswith("coaching.")
    assert hooks.checkin_email.link.__module__.startswith("coaching.")
