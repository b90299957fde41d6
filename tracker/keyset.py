"""Keyset pages for the UI queue: previous / next from the rows at the edges of the page, never an OFFSET.

An OFFSET of 500,000 makes the database walk and join 500,000 rows to throw
them away (issue 8: 2.4 s at 1M claims); a keyset page starts where the last
one ended, through the index of its order, at the cost of the first one. A
cursor holds the sort values of the edge row, signed so a tampered cursor
is simply ignored (the first page is shown).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core import signing
from django.db.models import Q

_SALT = "factdesk.keyset"


class KeysetPage(Sequence):
    """One page of rows, with cursors to the pages on either side of it."""

    is_keyset = True
    past_end = False

    def __init__(self, object_list: list, next_cursor: str | None, previous_cursor: str | None):
        self.object_list = object_list
        self.next_cursor = next_cursor
        self.previous_cursor = previous_cursor

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def cursor_for(row, ordering: Sequence[str]) -> str:
    """The cursor of row in ordering (its values of the ordering's fields, signed)."""
    return signing.dumps([_plain(getattr(row, field.lstrip("-"))) for field in ordering], salt=_SALT)


def decode(cursor, ordering: Sequence[str]) -> list | None:
    """The values in cursor, or None when it is no cursor of this ordering."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > 500:
        return None
    try:
        values = signing.loads(cursor, salt=_SALT)
    except signing.BadSignature:
        return None
    return values if isinstance(values, list) and len(values) == len(ordering) else None


def beyond(ordering: Sequence[str], values: list, *, backwards: bool = False) -> Q:
    """The rows after values in ordering (before them when backwards)."""
    found = Q(pk__in=[])
    equal = Q()
    for field, value in zip(ordering, values, strict=True):
        descending = field.startswith("-") != backwards
        name = field.lstrip("-")
        found |= equal & Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        equal &= Q(**{name: value})
    # The leading field's bound on its own as well: a range the index of the order can start from.
    first = ordering[0]
    lead = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') != backwards else 'gte'}": values[0]})
    return lead & found


def reverse_ordering(ordering: Sequence[str]) -> list[str]:
    return [field[1:] if field.startswith("-") else f"-{field}" for field in ordering]


def get_page(queryset, ordering: Sequence[str], *, after=None, before=None, start: Q | None = None, per_page: int):
    """Return the page after cursor after, or before cursor before, or from start (a filter), or the first."""
    after_values, before_values = decode(after, ordering), decode(before, ordering)
    if before_values is not None:
        rows = list(
            queryset.filter(beyond(ordering, before_values, backwards=True)).order_by(*reverse_ordering(ordering))[
                : per_page + 1
            ]
        )
        more_before = len(rows) > per_page
        rows = rows[:per_page][::-1]
        return KeysetPage(
            rows,
            next_cursor=cursor_for(rows[-1], ordering) if rows else None,
            previous_cursor=cursor_for(rows[0], ordering) if rows and more_before else None,
        )
    ordered = queryset.order_by(*ordering)
    first_page = True
    if after_values is not None:
        ordered = ordered.filter(beyond(ordering, after_values))
        first_page = False
    elif start is not None:
        ordered = ordered.filter(start)
        first_page = False
    rows = list(ordered[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(
        rows,
        next_cursor=cursor_for(rows[-1], ordering) if more else None,
        # Not knowing whether anything comes before (that would cost a query), a page not first offers it.
        previous_cursor=cursor_for(rows[0], ordering) if rows and not first_page else None,
    )
