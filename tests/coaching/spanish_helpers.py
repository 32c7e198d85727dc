"""What a Spanish-speaking client's page still says in English: the page's
words against the English of the catalogue and of the check-in's wording."""

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib

from coaching.checkin_wording import STATEMENTS

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES" / "django.po"
_PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)s|<[^>]+>")


class _Text(HTMLParser):
    """The text a person reads or hears: text nodes and the attributes
    read aloud, scripts and styles aside."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        self.parts += [value for name, value in attrs if name in ("aria-label", "title") and value]

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " | ".join(parser.parts)


@cache
def _english() -> frozenset[str]:
    """English phrases of three words or more (around the placeholders and
    tags of a message) that Spanish says otherwise."""
    phrases = set()
    for entry in polib.pofile(str(CATALOGUE)):
        spanish = entry.msgstr or "".join(entry.msgstr_plural.values())
        for english in filter(None, (entry.msgid, entry.msgid_plural)):
            for part in _PLACEHOLDER_OR_TAG.split(english):
                part = part.strip(" .:,;")
                if len(part.split()) >= 3 and part not in spanish:
                    phrases.add(part)
    phrases |= {wording["en"].rstrip(".") for wording in STATEMENTS.values()}
    return frozenset(phrases)


def english_left(html: str) -> list[str]:
    """The English phrases found on the page."""
    text = page_text(html)
    return sorted(phrase for phrase in _english() if phrase in text)
