"""A page of a long list without counting the whole list.

Django's Paginator runs COUNT(*) over the list on every page; the everyday
lists (sessions, notes, clients) only need "is there a next page", which
one row more tells. The page offers what templates/includes/pager.html uses.
"""

from dataclasses import dataclass

# Further than anyone pages by hand; keeps OFFSET a sane number.
MAX_PAGE = 10_000
# Rows per page of the long lists (sessions, notes, clients), so a page costs
# the same after years of history or with a big caseload.
PER_PAGE = 25


@dataclass
class Page:
    object_list: list
    number: int
    has_next: bool
    paginator = None  # no total: the pager shows "Page n" alone

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def page_number(number) -> int:
    """A page number asked for: 1 for anything that is not one, at most MAX_PAGE."""
    try:
        return min(max(int(number), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def page_within(number, total: int, per_page: int = PER_PAGE) -> int:
    """The page number asked for among `total` rows; past the end, the
    first page (as page_of)."""
    number = page_number(number)
    return number if (number - 1) * per_page < total else 1


def page_of(queryset, number, per_page: int = PER_PAGE) -> Page:
    """Page `number` (1 for anything that is not a page number) of an
    ordered queryset; past the end, the first page."""
    number = page_number(number)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    if not rows and number > 1:
        return page_of(queryset, 1, per_page)
    return Page(rows[:per_page], number, len(rows) > per_page)
