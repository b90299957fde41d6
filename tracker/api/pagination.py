"""Pagination of every list: {"next", "previous", "results"}, page_size up to 200, never a COUNT(*).

claims/ and the ClaimReview feed use cursors, so deep pages cost what the
first one does and rows added meanwhile never shift a page; the other lists
are numbered (?page=N) and read one row past the page to know if more follow.
"""

from __future__ import annotations

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response

from tracker.pagination import get_page, parse_page_number

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size_from(request, param: str) -> int:
    """Return the page size asked for, capped at MAX_PAGE_SIZE; refuse what is not a positive number."""
    raw = request.query_params.get(param)
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    digits = raw.lstrip("0") if raw.isascii() and raw.isdigit() else ""
    if not digits:
        raise ValidationError({param: [f"Give a whole number from 1 (larger ones mean {MAX_PAGE_SIZE})."]})
    # One rule for every size: anything above the cap is the cap, however many digits it has.
    return MAX_PAGE_SIZE if len(digits) > len(str(MAX_PAGE_SIZE)) else min(int(digits), MAX_PAGE_SIZE)


def _schema_params(params: list[dict]) -> list[dict]:
    for param in params:
        if param["name"] == "page_size":
            param["schema"] = {"type": "integer", "minimum": 1}
            param["description"] = (
                f"Results per page: {DEFAULT_PAGE_SIZE} by default; any larger number than {MAX_PAGE_SIZE} "
                f"means {MAX_PAGE_SIZE}."
            )
    return params


class PagePagination(PageNumberPagination):
    """Numbered pages ({"next", "previous", "results"}) found without counting the list.

    A page reads one row more than it returns, which tells whether ``next``
    exists; a COUNT(*) over the whole filtered table on every call would cost
    more than the page itself on a big desk. A page past the end answers 404.
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    template = None  # the browsable API's numbered controls need the page count

    def get_page_size(self, request) -> int:
        return page_size_from(request, self.page_size_query_param)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        raw = request.query_params.get(self.page_query_param)
        number = 1
        if raw not in (None, ""):
            number = parse_page_number(raw)
            if number is None:
                raise ValidationError({self.page_query_param: ["Give a page number from 1 on."]})
        self.page = get_page(queryset, number, self.get_page_size(request))
        if self.page.past_end:
            raise NotFound(f"Page {raw[:20]} is past the end of the list.")
        return list(self.page)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        del response["properties"]["count"]
        response["required"] = ["results", "next", "previous"]
        return response

    def get_schema_operation_parameters(self, view):
        params = _schema_params(super().get_schema_operation_parameters(view))
        for param in params:
            if param["name"] == self.page_query_param:
                param["schema"] = {"type": "integer", "minimum": 1}
        return params


class CursorPagePagination(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-created_at", "-id")

    def get_page_size(self, request) -> int:
        return page_size_from(request, self.page_size_query_param)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception as exc:  # DRF answers a bad cursor with 404; it is a bad parameter.
            raise ValidationError(
                {self.cursor_query_param: ["This cursor is not valid; follow next/previous."]}
            ) from exc

    def get_schema_operation_parameters(self, view):
        return _schema_params(super().get_schema_operation_parameters(view))

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["results", "next", "previous"]
        return response


class FeedPagination(CursorPagePagination):
    ordering = ("-last_published_at", "-id")
