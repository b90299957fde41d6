"""The reader's list shows claims and quotes cut as the truncatechars filter cuts them (tracker.views.articles)."""

import pytest
from django.template.defaultfilters import truncatechars

from tracker.views.articles import truncated


@pytest.mark.parametrize(
    "text",
    [
        "",
        "short",
        "x" * 120,
        "x" * 121,
        "word " * 60,
        "x" * 250,
        "e\u0301" * 130,
        "café " * 30,
        "😀" * 125,
        "a\u0301b" * 40,
    ],
)
@pytest.mark.parametrize("length", [1, 2, 120, 200])
def test_the_same_as_the_filter(text, length):
    assert truncated(text, length) == truncatechars(text, length)
