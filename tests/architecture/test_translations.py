"""Nothing a client reads may fall back to English (issue: Spanish for
clients), and staff pages are marked for translation too:

- every template a client can see (the pages below, what they include or
  extend, the emails a client gets) has no words outside a translation tag,
  in its text or in the attributes a person reads or hears (title, alt,
  placeholder, aria-label, a button's value);
- every other template (the staff's) has its words marked as well, with
  the context "staff";
- every marked string (templates and Python) is in each language's
  catalogue, translated and not fuzzy (those of staff pages, marked with
  the context "staff", may wait for their translation);
- the catalogues compile (msgfmt --check, through Django's compilemessages).

Each rule is a function, so the tests below also show it catching a breach.
"""

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

# The pages a client (or someone not yet signed in) sees, and the emails a
# client gets; what these include or extend is followed.
CLIENT_PAGES = [
    "base.html",
    "400.html",
    "403.html",
    "404.html",
    "500.html",
    "account/login.html",
    "account/signup_closed.html",
    "accounts/confirm_open.html",
    "accounts/invitation_accept.html",
    "accounts/invitation_signed_in.html",
    "accounts/invitation_unusable.html",
    "accounts/language_refused.html",
    "accounts/login_sessions.html",
    "accounts/record_views.html",
    "coaching/accounting/mine.html",
    "coaching/checkin_closed.html",
    "coaching/checkin_form.html",
    "coaching/checkin_thanks.html",
    "coaching/consents/detail.html",
    "coaching/consents/mine.html",
    # The sheet a client signs on paper (staff print it in the client's language).
    "coaching/consents/print.html",
    "coaching/consents/revoke.html",
    "coaching/episodes/list.html",
    "coaching/homes/client.html",
    "coaching/my_checkins.html",
    "coaching/plan/detail.html",
    "coaching/plan/history.html",
    "coaching/plan/print.html",
    "coaching/record/mine.html",
    "coaching/record/print.html",
    "sessions_log/feed_settings.html",
    "sessions_log/reminder_settings.html",
    "sessions_log/reminder_unsubscribe.html",
    "sessions_log/text_settings.html",
]
CLIENT_EMAILS = [
    "account_exists",
    "checkin_reminder",
    "checkin_request",
    "consent_waiting",
    "email_added",
    "email_changed",
    "invitation",
    "password_reset_done",
    "reminder",
    "reminder_cancelled",
    "reminder_moved",
    "text_number_failed",
]

# Translated blocks, comments and the body's class names (no words) go
# whole; then every other tag and variable.
STAFF = "staff"
_NO_TEXT = re.compile(
    r"{%\s*(blocktranslate|blocktrans|comment)\b.*?%}.*?{%\s*end\1\b.*?%}"
    r"|{%\s*block body_class\s*%}.*?{%\s*endblock\b.*?%}"
    r"|{%.*?%}|{{.*?}}|{#.*?#}",
    re.S,
)
_INCLUDED = re.compile(r"{%\s*(?:include|extends)\s+[\"']([^\"']+)[\"']")
_WORD = re.compile(r"[^\W\d_]")
_READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}


class _Words(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            # A <button>'s value is what the form sends, not what it shows.
            shown = name in _READ_ATTRIBUTES or (
                tag == "input"
                and name == "value"
                and values.get("type") in ("submit", "button", "reset")
            )
            if shown and value and _WORD.search(value):
                self.found.append(f'{name}="{value.strip()}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and _WORD.search(data):
            self.found.append(" ".join(data.split()))


def untranslated_words(source: str, *, html: bool = True) -> list[str]:
    """The words of a template outside translation tags ({% translate %},
    {% blocktranslate %}) and outside every other tag and variable."""
    text = _NO_TEXT.sub("\x00", source)
    if not html:
        return [" ".join(part.split()) for part in text.split("\x00") if _WORD.search(part)]
    parser = _Words()
    parser.feed(text.replace("\x00", " "))
    parser.close()
    return parser.found


def client_templates(root: Path = TEMPLATES) -> list[str]:
    """CLIENT_PAGES and the emails, with everything they include or extend."""
    names = [*CLIENT_PAGES]
    for email in CLIENT_EMAILS:
        names += [f"emails/{email}.html", f"emails/{email}.txt", f"emails/{email}_subject.txt"]
    seen: list[str] = []
    while names:
        name = names.pop(0)
        if name in seen or not (root / name).exists():
            continue
        seen.append(name)
        names += _INCLUDED.findall((root / name).read_text())
    return seen


def test_every_listed_client_template_exists():
    missing = [name for name in CLIENT_PAGES if not (TEMPLATES / name).exists()]
    missing += [
        f"emails/{email}{end}"
        for email in CLIENT_EMAILS
        for end in (".html", ".txt", "_subject.txt")
        if not (TEMPLATES / f"emails/{email}{end}").exists()
    ]
    assert not missing


@pytest.mark.parametrize("name", client_templates())
def test_a_client_template_has_no_words_outside_translation_tags(name):
    source = (TEMPLATES / name).read_text()
    assert untranslated_words(source, html=name.endswith(".html")) == []
    # Its words must be translated: none may wait with the staff pages'.
    assert f'context "{STAFF}"' not in source


STAFF_TEMPLATES = sorted(
    str(path.relative_to(TEMPLATES))
    for path in TEMPLATES.rglob("*")
    if path.is_file() and str(path.relative_to(TEMPLATES)) not in client_templates()
)


@pytest.mark.parametrize("name", STAFF_TEMPLATES)
def test_a_staff_template_has_its_words_marked_too(name):
    """Staff pages are marked (context "staff"); their Spanish may follow."""
    source = (TEMPLATES / name).read_text()
    assert untranslated_words(source, html=name.endswith(".html")) == []


def test_the_check_finds_words_in_text_and_in_what_is_read_aloud():
    source = (
        '{% load i18n %}<p>{% translate "Hello" %} {{ name }}</p>'
        "{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}"
        '<button aria-label="Close">×</button><img alt="{% translate "Chart" %}">'
        '<input type="submit" value="Send"><input type="hidden" name="next" value="here">'
        '<button type="submit" name="action" value="deactivate">{% translate "Stop" %}</button>'
        "<p>Your plan</p>{% comment %}Not shown{% endcomment %}<script>var x = 'js';</script>"
    )
    assert untranslated_words(source) == ['aria-label="Close"', 'value="Send"', "Your plan"]
    assert untranslated_words("{% translate 'Hi' %}\nSee you soon", html=False) == ["See you soon"]


def _catalogue_copy(tmp_path, language: str) -> tuple[Path, Path]:
    """A copy of `language`'s catalogue, and a folder that shows the
    project's code to Django's commands (which walk the folder they run in)."""
    work = tmp_path / "project"
    work.mkdir()
    for folder in ("templates", "accounts", "coaching", "sessions_log", "common"):
        (work / folder).symlink_to(ROOT / folder)
    copy = tmp_path / "locale" / language / "LC_MESSAGES"
    copy.mkdir(parents=True)
    shutil.copy(ROOT / "locale" / language / "LC_MESSAGES" / "django.po", copy)
    return copy / "django.po", work


TRANSLATED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_language_has_every_marked_string_translated(
    settings, tmp_path, monkeypatch, language
):
    po_path, work = _catalogue_copy(tmp_path, language)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(work)
    call_command("makemessages", locale=[language], symlinks=True, no_location=True, verbosity=0)
    catalogue = polib.pofile(str(po_path))
    # Staff pages are marked with the context "staff"; their Spanish may
    # follow later (a staff page falls back to English, never a client's).
    missing = [entry.msgid for entry in catalogue.untranslated_entries() if entry.msgctxt != STAFF]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert (missing, fuzzy) == ([], [])


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalogue_compiles(settings, tmp_path, monkeypatch, language):
    po_path, work = _catalogue_copy(tmp_path, language)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(work)
    call_command("compilemessages", locale=[language], verbosity=0)
    assert po_path.with_suffix(".mo").stat().st_size > 0
