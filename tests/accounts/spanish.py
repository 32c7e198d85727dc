"""What a person reads on a page, to compare a page's Spanish with its
English: the text nodes and the attributes read aloud, never the markup."""

import re
from html.parser import HTMLParser

_READ = {"title", "alt", "placeholder", "aria-label"}
_WORD = re.compile(r"[^\W\d_]{3,}")


class _Read(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.read: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in _READ and value:
                self.read.append(" ".join(value.split()))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.read.append(" ".join(data.split()))


def read_on(page) -> list[str]:
    """The text a person reads or hears on `page` (a response or its HTML)."""
    html = page if isinstance(page, str) else page.content.decode()
    parser = _Read()
    parser.feed(html)
    parser.close()
    return parser.read


def english_left(english, spanish, *, same_in_both=()) -> set[str]:
    """The pieces of text of the English page that the Spanish one still
    shows (names, addresses and the like listed in `same_in_both` aside)."""
    left = set(read_on(english)) & set(read_on(spanish))
    return {text for text in left if _WORD.search(text) and text not in same_in_both}
