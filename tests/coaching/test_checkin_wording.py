"""The check-in's wording: every statement and both ends of the 0-10 scale
in every language offered, kept together, so a score means the same in
Spanish as in English; the form asks in the reader's language, in the
same order."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from coaching import checkin_wording
from coaching.checkin_wording import ANCHORS, STATEMENTS, scale_help, statement, statements
from coaching.forms.trust import CheckInForm
from coaching.models import ITEM_NAMES, ITEMS, CheckIn
from tests.helpers import GOOD, _requested, sign_in

LANGUAGES = [code for code, _ in settings.LANGUAGES]


@pytest.fixture(autouse=True)
def _english_after():
    # A request activates its reader's language for the rest of the thread:
    # the next test starts in the site's.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_every_statement_and_both_anchors_have_every_language():
    assert list(STATEMENTS) == ["heard", "safe", "focus", "trust", "helping"]
    assert sorted(ANCHORS) == [0, 10]
    for wording in [*STATEMENTS.values(), *ANCHORS.values()]:
        assert sorted(wording) == sorted(LANGUAGES)
        assert all(text.strip() for text in wording.values())
    # No language's sentence left as another's (a copy is not a translation).
    for wording in STATEMENTS.values():
        assert len(set(wording.values())) == len(LANGUAGES)


def test_the_model_keeps_its_field_names_and_english_verbose_names():
    assert ITEM_NAMES == checkin_wording.ITEM_NAMES
    for name, english in ITEMS:
        assert english == STATEMENTS[name]["en"]
        assert CheckIn._meta.get_field(name).verbose_name == english


def test_the_wording_follows_the_reader_and_falls_back_to_the_sites_language():
    assert statement("safe", "es") == "Pude abrirme sin sentir que me juzgaban."
    assert statement("safe", "es-MX") == statement("safe", "es")
    assert statement("safe", "fr") == STATEMENTS["safe"]["en"]
    assert scale_help("en") == "0 = not at all, 10 = completely"
    assert scale_help("es") == "0 = nada, 10 = totalmente"
    with translation.override("es"):
        assert [name for name, _ in statements()] == list(ITEM_NAMES)
        assert statements()[0][1] == "Mi coach me escuchó y me entendió."


def test_the_form_asks_in_the_active_language():
    with translation.override("es"):
        form = CheckInForm()
        labels = [str(form.fields[name].label) for name in ITEM_NAMES]
        helps = {str(form.fields[name].help_text) for name in ITEM_NAMES}
    assert labels == [STATEMENTS[name]["es"] for name in ITEM_NAMES]
    assert helps == {"0 = nada, 10 = totalmente"}
    with translation.override("en"):
        english = CheckInForm()
    assert [english.fields[name].label for name in ITEM_NAMES] == [label for _, label in ITEMS]


def _positions(page: str, texts: list[str]) -> list[int]:
    return [page.find(text.replace("'", "&#x27;")) for text in texts]


@pytest.mark.django_db
def test_the_spanish_form_shows_the_spanish_statements_in_order(client, coach, client_user):
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    request = _requested(coach, client_user)
    sign_in(client, client_user)
    url = reverse("coaching:checkin_new") + f"?session={request.session_id}"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    spanish = _positions(page, [STATEMENTS[name]["es"] for name in ITEM_NAMES])
    assert -1 not in spanish and spanish == sorted(spanish)
    assert page.count("0 = nada, 10 = totalmente") == len(ITEM_NAMES)
    assert _positions(page, [STATEMENTS[name]["en"] for name in ITEM_NAMES]) == [-1] * 5
    assert "not at all" not in page


@pytest.mark.django_db
def test_a_check_in_answered_in_spanish_scores_as_in_english(client, coach, client_user):
    """The same numbers in the same columns, whatever language asked."""
    client_user.language = "es"
    client_user.save(update_fields=["language"])
    request = _requested(coach, client_user)
    sign_in(client, client_user)
    url = reverse("coaching:checkin_new") + f"?session={request.session_id}"
    client.post(url, {name: str(value) for name, value in GOOD.items()})
    checkin = CheckIn.objects.get()
    assert {name: getattr(checkin, name) for name in ITEM_NAMES} == GOOD
    assert checkin.score == 88
    with translation.override("es"):
        assert checkin.answers()[1] == ("Pude abrirme sin sentir que me juzgaban.", 9)
    with translation.override("en"):
        assert checkin.answers()[1] == ("I could be open without feeling judged.", 9)
