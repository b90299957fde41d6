"""Domain refusals as HTTP answers (DESIGN §4 status codes), and the concurrency preconditions."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tracker import articles, workflow
from tracker.errors import DeskError
from tracker.reading import anchoring

logger = logging.getLogger(__name__)


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "This change needs the version you are changing: send the claim's ETag in an If-Match header "
        'or "version" in the body.'
    )
    default_code = "precondition_required"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def _messages(exc) -> list[str]:
    return [str(exc)]


def django_validation_detail(exc: DjangoValidationError) -> dict | list:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if name == "__all__" else name): messages
            for name, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def _claim_body(context, claim) -> dict | None:
    view = context.get("view")
    request = context.get("request")
    serialize = getattr(view, "serialize_claim", None)
    if serialize is None or request is None:
        return None
    return serialize(claim)


def domain_response(exc: Exception, context: dict) -> Response | None:
    """Return the response for a domain exception, or None when exc is not one."""
    if isinstance(exc, workflow.StaleVersion):
        body = {"detail": str(exc), "current": _claim_body(context, exc.current)}
        return Response(body, status=status.HTTP_412_PRECONDITION_FAILED, headers={"ETag": exc.current.etag})
    if isinstance(exc, articles.StaleArticle):
        from tracker.api.serializers import ArticleSerializer

        body = {"detail": str(exc), "current": ArticleSerializer(exc.current).data}
        return Response(body, status=status.HTTP_412_PRECONDITION_FAILED)
    if isinstance(exc, anchoring.InvalidText):
        return Response({"non_field_errors": _messages(exc)}, status=400)
    if isinstance(exc, DjangoValidationError):
        return Response(django_validation_detail(exc), status=400)
    if isinstance(exc, DeskError):
        # Every refusal of the domain by the status and field it carries; only the two 412s above
        # need the view (to serialize ``current``), so they alone are named.
        if exc.field or exc.status == 400:
            return Response({exc.field or "non_field_errors": _messages(exc)}, status=exc.status)
        return Response({"detail": str(exc), **exc.payload()}, status=exc.status)
    return None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map domain refusals to their status codes, then let DRF answer the rest; never a bare 500 for bad input."""
    response = domain_response(exc, context)
    if response is not None:
        return response
    if isinstance(exc, Http404):
        exc = Http404("Not found.")
    if isinstance(exc, RequestDataTooBig):
        # Django would answer with its HTML 400 page; API clients read JSON.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return Response({"detail": f"The request body is larger than {limit} MB."}, status=413)
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, IntegrityError):
        # A concurrent writer won a uniqueness race the domain checked for just before.
        logger.info("Integrity conflict answered with 409: %s", exc)
        return Response({"detail": "This conflicts with a change made at the same moment; try again."}, status=409)
    if isinstance(exc, DataError | OverflowError):
        logger.info("Out-of-range input answered with 400: %s", exc)
        return Response({"detail": "A value is out of range or malformed."}, status=400)
    return None


__all__ = ["Conflict", "PermissionDenied", "PreconditionRequired", "ValidationError", "exception_handler"]
