from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import Role, User
from common.paging import MAX_PAGE, Page, page_of


@pytest.fixture
def people():
    User.objects.bulk_create(
        User(email=f"p{number:02d}@example.org", role=Role.CLIENT) for number in range(7)
    )
    return User.objects.order_by("email")


@pytest.mark.django_db
def test_pages_follow_each_other_and_know_when_there_is_more(people):
    first, second, third = (page_of(people, number, 3) for number in (1, 2, 3))
    emails = [p.email for page in (first, second, third) for p in page.object_list]
    assert emails == [f"p{number:02d}@example.org" for number in range(7)]
    assert first.has_next and not first.has_previous()
    assert second.has_next and second.has_previous() and second.previous_page_number() == 1
    assert not third.has_next and third.has_other_pages()
    assert second.next_page_number() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("number", [None, "", "two", "-4", "0", "1.5", "9" * 40])
def test_anything_but_a_page_number_is_the_first_page(people, number):
    page = page_of(people, number, 3)
    assert page.number == 1
    assert [p.email for p in page.object_list][0] == "p00@example.org"


@pytest.mark.django_db
def test_past_the_end_is_the_first_page_and_offsets_stay_sane(people):
    assert page_of(people, 9, 3).number == 1
    assert page_of(people, str(MAX_PAGE * 10), 3).number == 1


@pytest.mark.django_db
def test_an_empty_list_is_one_page_without_a_pager():
    page = page_of(User.objects.order_by("pk"), 1, 25)
    assert page.object_list == [] and not page.has_other_pages()


def _pager(language: str, page, **labels) -> str:
    with translation.override(language):
        return render_to_string("includes/pager.html", {"page": page, **labels})


def test_the_pager_speaks_the_readers_language():
    middle = Page([], 2, True)
    spanish, english = _pager("es", middle), _pager("en", middle)
    assert 'aria-label="Páginas"' in spanish
    assert "Más recientes" in spanish and "Anteriores" in spanish and "Página 2" in spanish
    assert "Newer" not in spanish and "Older" not in spanish and "Page 2" not in spanish
    assert 'aria-label="Pages"' in english and "Newer" in english and "Page 2" in english


def test_the_pager_counts_the_pages_in_the_readers_language_when_it_knows_them():
    counted = SimpleNamespace(
        number=3,
        has_other_pages=lambda: True,
        has_previous=lambda: True,
        has_next=False,
        previous_page_number=lambda: 2,
        paginator=SimpleNamespace(num_pages=3),
    )
    assert "Página 3 de 3" in _pager("es", counted)
    assert "Page 3 of 3" in _pager("en", counted)
    # A page's own labels, given by the page that includes the pager, stay.
    assert "Previous" in _pager("en", counted, previous_label="Previous")
