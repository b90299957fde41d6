"""Numbered pages without counting the list, for the UI and the API.

Django's Paginator and DRF's PageNumberPagination run a COUNT(*) over the
whole filtered table on every page; here a page reads one row more than it
shows, which says whether a next page exists. The cost is that nobody knows
the last page number, so pagers offer previous / next.
"""

from __future__ import annotations

from collections.abc import Sequence

# Past this offset no stored list reaches, and the databases' 64-bit OFFSET would overflow.
MAX_OFFSET = 2**62


class Page(Sequence):
    """One page of rows, with the parts of django.core.paginator.Page's interface that need no count."""

    def __init__(self, object_list: list, number: int, per_page: int, has_next: bool):
        self.object_list = object_list
        self.number = number
        self.per_page = per_page
        self._has_next = has_next

    def __repr__(self) -> str:
        return f"<Page {self.number}>"

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        """Return the 1-based position of the first row on the page (0 when the page is empty)."""
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0

    @property
    def past_end(self) -> bool:
        """Whether this is an empty page after the last one (page 1 of an empty list is not)."""
        return self.number > 1 and not self.object_list


def parse_page_number(raw) -> int | None:
    """Return the page number in raw (digits, 1 or more), or None when it is not one."""
    if not isinstance(raw, str) or not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
        return None
    # More digits than any offset a database takes: clamp, the page is past the end anyway.
    return int(raw) if len(raw) <= 19 else 10**19


def get_page(rows, number: int, per_page: int) -> Page:
    """Return page number (from 1) of rows (a queryset or a list), reading at most per_page + 1 of them."""
    offset = (number - 1) * per_page
    if offset > MAX_OFFSET:
        return Page([], number, per_page, has_next=False)
    found = list(rows[offset : offset + per_page + 1])
    return Page(found[:per_page], number, per_page, has_next=len(found) > per_page)
