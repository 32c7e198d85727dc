"""Browser tests: Debian's Chromium driven by Playwright against the live server.

Every page a test opens through `open_page` is watched: a request to another
origin, a console error or an uncaught exception fails the test. Call
`assert_accessible(page)` on every page the test visits.
"""

import functools
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_CORE_PATH = Path(
    os.environ.get("AXE_CORE_PATH") or ROOT / "node_modules" / "axe-core" / "axe.min.js"
)
CHROMIUM_PATH = (
    os.environ.get("CHROMIUM_PATH")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
    or "/usr/bin/chromium"
)
# Impacts that fail a test; "minor" and "moderate" ones are left to review.
FAILING_IMPACTS = frozenset({"serious", "critical"})


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (Playwright's own download is not available here)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PageWatch:
    """What went wrong on one page: foreign requests, console errors, JS exceptions."""

    def __init__(self, page, allowed_origin: str):
        self.problems: list[str] = []
        self.allowed_origin = allowed_origin
        page.on("request", self._on_request)
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_request(self, request):
        url = request.url
        # data: and blob: URLs (the TOTP QR code is an inline SVG) never leave the browser.
        if url.startswith(("data:", "blob:")):
            return
        if _origin(url) != self.allowed_origin:
            self.problems.append(f"request to another origin: {request.method} {url}")

    def _on_console(self, message):
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "?")
        self.problems.append(f"console error: {message.text} (at {url})")

    def _on_page_error(self, error):
        self.problems.append(f"uncaught exception: {error}")

    def check(self):
        assert not self.problems, "browser problems:\n" + "\n".join(self.problems)


_WATCHES: dict[int, PageWatch] = {}


@pytest.fixture
def open_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies): `open_page(**context_args)`.

    The page is watched (see PageWatch); problems fail the test at the next
    `assert_accessible` and, at the latest, at teardown.
    """
    contexts = []
    watches = []

    def _open(**context_args):
        context = browser.new_context(base_url=live_server.url, **context_args)
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch(page, _origin(live_server.url))
        watches.append(watch)
        _WATCHES[id(page)] = watch
        return page

    yield _open
    for context in contexts:
        for page in context.pages:
            _WATCHES.pop(id(page), None)
        context.close()
    for watch in watches:
        watch.check()


def _describe(violation: dict) -> str:
    lines = [
        f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
    ]
    for node in violation["nodes"][:5]:
        target = " ".join(str(part) for part in node["target"])
        summary = " ".join((node.get("failureSummary") or "").split())
        lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


@functools.cache
def _axe_source() -> str:
    return AXE_CORE_PATH.read_text(encoding="utf-8") + "\n;undefined"


def assert_accessible(page) -> None:
    """Run axe-core on the page as it is now; fail on serious or critical violations.

    Also fails on what the page's watch (if any) has recorded so far.
    """
    watch = _WATCHES.get(id(page))
    if watch is not None:
        watch.check()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the test harness, not the page: the page's CSP (no
        # inline script) rightly refuses a script tag, so none is added.
        page.evaluate(_axe_source())
    results = page.evaluate(
        "async () => { const r = await axe.run(document); return r.violations; }"
    )
    failing = [v for v in results if v.get("impact") in FAILING_IMPACTS]
    assert not failing, f"accessibility violations on {page.url}:\n" + "\n".join(
        _describe(v) for v in failing
    )
