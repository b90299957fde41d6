"""Answers for when the database cannot be reached (DESIGN §4): a 503 the client can retry, never an HTML 500."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30

# Self-contained on purpose: the desk's templates read the database (the
# signed-in user, unread notifications), which is what just failed.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Factdesk is unavailable</title></head>
<body><h1>Factdesk is unavailable for a moment</h1>
<p>The desk cannot reach its database. Nothing you sent was lost in this answer: try again in a minute.</p>
</body></html>
"""


def unavailable(request: HttpRequest) -> HttpResponse:
    """Return the 503 for request: JSON under /api/, a plain page elsewhere, both with Retry-After."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": "The database cannot be reached right now; try again shortly."}, status=503)
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def is_database_down(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection in any view into a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_down(exception):
            logger.error("Database unavailable: %s", exception)
            return unavailable(request)
        return None


def handler500(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except a 503 when what failed (outside any view, e.g. in a middleware) is the database."""
    if is_database_down(sys.exc_info()[1]):
        return unavailable(request)
    return server_error(request)


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header (settings.PERMISSIONS_POLICY) with every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
