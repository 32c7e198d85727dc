"""{% rows %} (accounts/templatetags/rows.py) prints a long table's rows as
`{% for %}` would, escaping included, and refuses what it cannot print
that way."""

from datetime import UTC, date, datetime

import pytest
from django.template import TemplateSyntaxError, engines
from django.utils.html import format_html

ENGINE = engines["django"]
ROWS = [
    {
        "name": '<b>Ed</b> & "Bo" O\'Neil',
        "count": 12,
        "none": None,
        "flag": True,
        "cell": format_html("<strong>{}</strong>", "<i>"),
        "day": date(2026, 3, 2),
        "at": datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        "ratio": 0.5,
    },
    {
        "name": "{braces} {{ twice }}",
        "count": 0,
        "none": "",
        "flag": False,
        "cell": "",
        "day": date(2025, 12, 31),
        "at": datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
        "ratio": 12.25,
    },
]
BODY = (
    "<tr><td>{{ r.name }}</td><td>{{ r.count }}</td><td>{{ r.none }}</td>"
    "<td>{{ r.flag }}</td><td>{{ r.cell }}</td><td>{{ r.day }}</td><td>{{ r.at }}</td>"
    "<td>{{ r.ratio }}</td></tr>{ literal }"
)


def test_rows_print_exactly_what_a_for_loop_prints():
    loop = ENGINE.from_string("{% for r in rows %}" + BODY + "{% endfor %}")
    fast = ENGINE.from_string("{% load rows %}{% rows r in rows %}" + BODY + "{% endrows %}")
    expected = loop.render({"rows": ROWS})
    assert fast.render({"rows": ROWS}) == expected
    # What that means: the markup in a name is text, a safe cell is markup.
    assert "&lt;b&gt;Ed&lt;/b&gt; &amp; &quot;Bo&quot; O&#x27;Neil" in expected
    assert "<strong>&lt;i&gt;</strong>" in expected
    assert fast.render({"rows": []}) == "" and fast.render({}) == ""


@pytest.mark.parametrize(
    "body",
    [
        "{{ r.name|upper }}",  # a filter
        "{% if r.flag %}x{% endif %}",  # a tag
        "{{ other.name }}",  # not the row
        "{{ r.person.name }}",  # two levels
        "{{ r }}",  # the row itself
    ],
)
def test_a_body_with_more_than_text_and_row_values_is_refused(body):
    with pytest.raises(TemplateSyntaxError, match="takes text and"):
        ENGINE.from_string("{% load rows %}{% rows r in rows %}" + body + "{% endrows %}")


def test_a_malformed_tag_is_refused():
    with pytest.raises(TemplateSyntaxError, match="Usage"):
        ENGINE.from_string("{% load rows %}{% rows r rows %}x{% endrows %}")
