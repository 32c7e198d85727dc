"""The trust check-in's wording: the five statements and the ends of the
0-10 scale, in every language we offer, side by side.

They are kept here together, not in the translation catalogue, because the
check-in is a measuring instrument: a score means something only if a
Spanish reader and an English reader are answering the same question on the
same scale. A change to one language's wording is a change to the
instrument; make it in every language at once, here, where the versions can
be read against each other (tests/coaching/test_checkin_wording.py holds
that every statement and anchor has every language).

The field names (heard, safe, ...) are the database columns and never
change; the English wording is also the fields' verbose names.
"""

from django.conf import settings
from django.utils.translation import get_language

# Each statement is answered 0 (not at all) to 10 (completely). The Spanish
# keeps the meaning, in plain words and without the reader's gender ("sin
# sentir que me juzgaban", not "juzgado/a"), so everyone reads one sentence.
STATEMENTS: dict[str, dict[str, str]] = {
    "heard": {
        "en": "My coach listened and understood me.",
        "es": "Mi coach me escuchó y me entendió.",
    },
    "safe": {
        "en": "I could be open without feeling judged.",
        "es": "Pude abrirme sin sentir que me juzgaban.",
    },
    "focus": {
        "en": "We spent our time on what matters to me.",
        "es": "Dedicamos nuestro tiempo a lo que me importa.",
    },
    "trust": {
        "en": "I trust my coach's ideas enough to try them.",
        "es": "Confío en las ideas de mi coach lo suficiente para probarlas.",
    },
    "helping": {
        "en": "Working with my coach is helping my recovery.",
        "es": "Trabajar con mi coach me está ayudando en mi recuperación.",
    },
}

# The words at the ends of the scale, as the form shows them under each
# statement ("0 = not at all, 10 = completely").
ANCHORS: dict[int, dict[str, str]] = {
    0: {"en": "not at all", "es": "nada"},
    10: {"en": "completely", "es": "totalmente"},
}

# The order the form asks them in (and the order of the database columns).
ITEM_NAMES = tuple(STATEMENTS)


def _language(language: str | None) -> str:
    """The wording's language for `language` (default: the active one):
    es-MX reads es; a language we have no wording for reads the site's."""
    code = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code if code in STATEMENTS["heard"] else settings.LANGUAGE_CODE


def statement(name: str, language: str | None = None) -> str:
    return STATEMENTS[name][_language(language)]


def statements(language: str | None = None) -> list[tuple[str, str]]:
    """(item name, statement) in the form's order."""
    code = _language(language)
    return [(name, wording[code]) for name, wording in STATEMENTS.items()]


def scale_help(language: str | None = None) -> str:
    """What the numbers mean, under each statement: "0 = not at all, 10 = completely"."""
    code = _language(language)
    return ", ".join(f"{value} = {words[code]}" for value, words in ANCHORS.items())
