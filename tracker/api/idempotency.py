"""Safe retries (DESIGN §4): a creating POST with ``Idempotency-Key`` is done once per user and key.

The record of the answer is written in the same transaction as whatever the
request created, so a request whose client never heard the answer (a timeout,
a dropped connection, a 500 from a proxy) either created nothing and no record,
or both: the retry then runs again, or gets the first answer again. Two
requests with one key at the same moment queue on the record's unique index,
so the second one replays the first one's answer instead of creating again.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tracker.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEPT_FOR = datetime.timedelta(hours=24)
MAX_KEY_LENGTH = 255
# Headers of the first answer that a replay must repeat for the client to act on it.
REPLAYED_HEADERS = ("ETag", "Location")

PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A client-chosen string (up to 255 printable characters). The same key from the same user within "
    "24 hours answers the first answer again (with an Idempotent-Replayed: true header) and creates nothing new; "
    "the same key with another request body is a 422.",
)


class KeyReused(ValidationError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError({HEADER: [f"Send 1 to {MAX_KEY_LENGTH} printable characters."]})
    return key


def _fingerprint(request) -> str:
    try:
        body = request.body
    except RawPostDataException:
        # Something read request.data first; what it parsed stands for the body.
        body = json.dumps(request.data, sort_keys=True, default=str).encode()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _replay(record: IdempotentRequest, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise KeyReused(
            {HEADER: ["This key was already used for a different request; choose a new key for a new request."]}
        )
    response = Response(record.body, status=record.status, headers=record.headers)
    response["Idempotent-Replayed"] = "true"
    return response


def replay(request) -> Response | None:
    """Return the stored answer to this request's key, if there is one (before doing slow work for nothing)."""
    key = _key(request)
    if key is None or not request.user.is_authenticated:
        return None
    cutoff = timezone.now() - KEPT_FOR
    record = IdempotentRequest.objects.filter(user=request.user, key=key, created_at__gte=cutoff).first()
    return None if record is None else _replay(record, _fingerprint(request))


def once(request, work) -> Response:
    """Return work()'s answer, done once per Idempotency-Key: in one transaction with its record."""
    key = _key(request)
    if key is None or not request.user.is_authenticated:
        return work()
    fingerprint = _fingerprint(request)
    now = timezone.now()
    IdempotentRequest.objects.filter(user=request.user, created_at__lt=now - KEPT_FOR).delete()
    with transaction.atomic():
        record = IdempotentRequest(user=request.user, key=key, fingerprint=fingerprint, status=0, created_at=now)
        try:
            # Waits here for a request with the same key that is still running.
            with transaction.atomic():
                record.save()
        except IntegrityError:
            return _replay(IdempotentRequest.objects.get(user=request.user, key=key), fingerprint)
        response = work()
        if 200 <= response.status_code < 300:
            record.status = response.status_code
            record.body = response.data
            record.headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
            record.save(update_fields=["status", "body", "headers"])
        else:
            # A refusal created nothing: a retry with the same key is asked again.
            record.delete()
    return response


def idempotent(handler):
    """Make a viewset's creating handler answer a repeated Idempotency-Key with its first answer."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        return once(request, lambda: handler(self, request, *args, **kwargs))

    wrapper.idempotent = True
    return wrapper
