"""The docs stay true: every `make` target, environment variable and setting
they name exists, every variable settings read is documented (in
docs/environment.md), and `make help` lists every target.

"Named" means written in backticks: `make <target>`, or a span that is one
ALL_CAPS name (`DEBUG`, `DEBUG=maybe`, or a family such as `BENCH_*`). Such a
name must be an environment variable our code or tooling reads, a Django
setting, or a constant of our code; the few that are none of these are in
NOT_NAMES, each with why.
"""

import re
import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SETTINGS_SOURCES = sorted((ROOT / "coaching" / "settings").glob("*.py"))
PYTHON_FOLDERS = ["accounts", "sessions_log", "coaching", "common", "bench", "scripts", "tests"]

# Backticked words that are neither a variable nor a setting nor a constant.
NOT_NAMES = {
    # SQL, written in backticks where the docs quote a statement or clause.
    "BEGIN", "COMMIT", "DELETE", "EXISTS", "INSERT", "RETURNING", "SELECT", "UPDATE",
    # SMTP commands (docs/scaling.md on the reminder connection).
    "NOOP", "QUIT",
    # Django's Q object, which each policy scope returns.
    "Q",
}  # fmt: skip

SPAN = re.compile(r"`([^`\n]+)`")
NAME = re.compile(r"([A-Z][A-Z0-9_]*)(\*|=\S*)?")
MAKE = re.compile(r"`make ([a-z][a-z0-9-]*)")
TARGET = re.compile(r"^([a-z][a-z0-9-]*)\s*:(?!=)", re.M)
PHONY = re.compile(r"^\.PHONY:((?:[^\n]*\\\n)*[^\n]*)", re.M)
# How code reads a variable: settings' env_* helpers, os.environ, os.getenv.
PY_READ = re.compile(
    r"""(?:env_\w+\(\s*|environ\.get\(\s*|environ\.setdefault\(\s*|getenv\(\s*|environ\[\s*)["']([A-Z][A-Z0-9_]*)["']"""
)
# How the Makefile and shell scripts read one: $NAME, ${NAME...}, NAME ?= ...
SH_READ = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)|^\s*([A-Z][A-Z0-9_]*)\s*\?=", re.M)
CONSTANT = re.compile(r"^([A-Z][A-Z0-9_]*)\s*(?::[^=\n]*)?=", re.M)


def _python_files():
    for folder in PYTHON_FOLDERS:
        yield from (ROOT / folder).rglob("*.py")


def _tool_files():
    return [ROOT / "Makefile", *sorted((ROOT / "scripts").glob("*.sh"))]


def variables_read() -> set[str]:
    """Environment variables our code, the Makefile and the scripts read."""
    found = set()
    for path in _python_files():
        found.update(PY_READ.findall(path.read_text()))
    for path in _tool_files():
        for braced, assigned in SH_READ.findall(path.read_text()):
            found.add(braced or assigned)
    return found


def variables_settings_read(source: str) -> set[str]:
    return set(PY_READ.findall(source))


def constants() -> set[str]:
    """Module-level ALL_CAPS names of our code (`REDISCLOSURE_NOTICE`)."""
    found = set()
    for path in _python_files():
        found.update(CONSTANT.findall(path.read_text()))
    return found


def names_in(text: str) -> set[str]:
    """The names a page writes in backticks: NAME, NAME=value, NAME_* (kept with its *)."""
    names = set()
    for span in SPAN.findall(text):
        match = NAME.fullmatch(span.strip())
        if match:
            names.add(match.group(1) + ("*" if match.group(2) == "*" else ""))
    return names


def make_targets(makefile: str) -> set[str]:
    return set(TARGET.findall(makefile))


def phony_targets(makefile: str) -> set[str]:
    return {
        name for block in PHONY.findall(makefile) for name in block.replace("\\\n", " ").split()
    }


def unknown_names(pages: dict[str, str], known: set[str]) -> list[str]:
    found = []
    for page, text in pages.items():
        for name in sorted(names_in(text)):
            if name.endswith("*"):
                exists = any(k.startswith(name[:-1]) for k in known)
            else:
                exists = name in known or name in NOT_NAMES
            if not exists:
                found.append(f"{page}: `{name}` is no variable, setting or constant of ours")
    return found


def unknown_targets(pages: dict[str, str], targets: set[str]) -> list[str]:
    return [
        f"{page}: `make {target}` is no target of the Makefile"
        for page, text in pages.items()
        for target in sorted(set(MAKE.findall(text)))
        if target not in targets
    ]


def undocumented(read: set[str], pages: dict[str, str]) -> list[str]:
    named = set().union(*(names_in(text) for text in pages.values()))
    return sorted(read - named)


def _pages() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text() for path in DOCS}


def _known() -> set[str]:
    return variables_read() | {n for n in dir(settings) if n.isupper()} | constants()


def test_every_name_in_the_docs_exists():
    found = unknown_names(_pages(), _known())
    assert not found, "\n".join(found)


def test_every_make_target_in_the_docs_exists():
    found = unknown_targets(_pages(), make_targets((ROOT / "Makefile").read_text()))
    assert not found, "\n".join(found)


def test_every_variable_settings_read_is_documented():
    read = set().union(*(variables_settings_read(path.read_text()) for path in SETTINGS_SOURCES))
    assert {"DEBUG", "SITE_URL", "PORT", "MAIL_SINK_PORT", "BILLING_UNIT_MINUTES"} <= read
    # docs/environment.md is the one list of them.
    page = ROOT / "docs" / "environment.md"
    missing = undocumented(read, {"docs/environment.md": page.read_text()})
    assert not missing, f"read by coaching/settings/, not in docs/environment.md: {missing}"


def test_make_help_lists_every_phony_target():
    makefile = (ROOT / "Makefile").read_text()
    phony = phony_targets(makefile)
    assert {"help", "run", "test", "lint", "cluster-test"} <= phony
    assert phony <= make_targets(makefile)
    shown = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    listed = set(re.findall(r"^make ([a-z][a-z0-9-]*)", shown, re.M))
    assert sorted(phony - listed) == []


# The checks themselves, on small examples.


def test_a_name_that_nothing_reads_is_reported():
    pages = {
        "README.md": "Set `SITE_URL`, `DEBUG=maybe` and `SITE_URLS`; `BENCH_*`, `NOPE_*`; "
        "`FOR UPDATE SKIP LOCKED` and `COMMIT` are SQL; `make run`, `make runn`."
    }
    known = {"SITE_URL", "DEBUG", "BENCH_SECONDS"}
    assert unknown_names(pages, known) == [
        "README.md: `NOPE_*` is no variable, setting or constant of ours",
        "README.md: `SITE_URLS` is no variable, setting or constant of ours",
    ]
    assert unknown_targets(pages, {"run", "test"}) == [
        "README.md: `make runn` is no target of the Makefile"
    ]


def test_a_variable_settings_read_but_no_page_names_is_reported():
    source = 'A = env_int("NOTE_DUE_HOURS", default=72)\nB = os.environ.get("LOG_LEVEL")\n'
    read = variables_settings_read(source)
    assert read == {"NOTE_DUE_HOURS", "LOG_LEVEL"}
    assert undocumented(read, {"docs/x.md": "`NOTE_DUE_HOURS` (72)"}) == ["LOG_LEVEL"]


def test_phony_targets_span_continued_lines():
    makefile = ".PHONY: help run \\\n        test lint\nhelp:\n\t@echo\nrun: install\n"
    assert phony_targets(makefile) == {"help", "run", "test", "lint"}
    assert make_targets(makefile) == {"help", "run"}
