"""Pagination of every list: {"next", "previous", "results"}, page_size up to 200.

claims/ and the ClaimReview feed use cursors, so deep pages cost what the
first one does and rows added meanwhile never shift a page.
"""

from __future__ import annotations

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size_from(request, param: str) -> int:
    """Return the page size asked for, capped at MAX_PAGE_SIZE; refuse what is not a positive number."""
    raw = request.query_params.get(param)
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or int(raw) < 1:
        raise ValidationError({param: [f"Give a whole number from 1 to {MAX_PAGE_SIZE}."]})
    return min(int(raw), MAX_PAGE_SIZE)


def _schema_params(params: list[dict]) -> list[dict]:
    for param in params:
        if param["name"] == "page_size":
            param["schema"] = {"type": "integer", "minimum": 1}
            param["description"] = f"Results per page: {DEFAULT_PAGE_SIZE} by default, at most {MAX_PAGE_SIZE}."
    return params


class PagePagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        return page_size_from(request, self.page_size_query_param)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "", *self.last_page_strings):
            if not (raw.isascii() and raw.isdigit() and raw.strip("0")):
                raise ValidationError({self.page_query_param: ["Give a page number from 1 on."]})
            if len(raw) > 18:  # far past any last page, and past what int() takes without a fuss
                raise NotFound(self.invalid_page_message.format(page_number=raw[:20], message="That page is empty."))
        return super().paginate_queryset(queryset, request, view)

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
