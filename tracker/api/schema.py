"""OpenAPI details drf-spectacular cannot infer: the error answers every operation may give."""

from __future__ import annotations

import re

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR = inline_serializer(
    "Error",
    fields={"detail": serializers.CharField(required=False, help_text="What went wrong, for a person.")},
)
# A 400 names the fields at fault: {"field": ["message", ...]} or nested for lists.
FIELD_ERRORS = OpenApiResponse(
    {"type": "object", "additionalProperties": True},
    description="Bad field values: messages per field (or under non_field_errors / detail).",
)
CONFLICT = inline_serializer(
    "Conflict",
    fields={
        "detail": serializers.CharField(),
        "allowed": serializers.ListField(
            child=serializers.CharField(), required=False, help_text="Transitions the table allows from here."
        ),
        "reasons": serializers.ListField(child=serializers.CharField(), required=False),
        "id": serializers.IntegerField(required=False, help_text="The existing object this duplicates."),
        "reason": serializers.CharField(required=False),
    },
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The claim\'s ETag as you read it, e.g. "12-3". Needed (or "version" in the body) to change a claim.',
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of the copy you hold: when it is still current the answer is 304 without a body.",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201, 304, 412],
    required=False,
    description="A strong validator of this claim version; send it back in If-Match.",
)


class FactdeskAutoSchema(AutoSchema):
    """Document the error statuses of every operation, so clients (and the schema tests) can rely on them."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        error = self._get_response_for_code(ERROR, "400")
        extra = {
            "400": self._get_response_for_code(FIELD_ERRORS, "400"),
            "401": {**error, "description": "Not logged in."},
            "403": {**error, "description": "Your role may not do this."},
        }
        extra["404"] = {**error, "description": "No such object (or page), or not one you may see."}
        if method in {"POST", "PATCH", "PUT"}:
            extra["415"] = {**error, "description": "The body is not JSON."}
        extra["406"] = {**error, "description": "Cannot answer in a media type the Accept header allows."}
        if self._is_idempotent():
            extra["422"] = {**error, "description": "The Idempotency-Key was already used for another request."}
        for code, response in extra.items():
            responses.setdefault(code, response)
        return responses

    def get_serializer_name(self, serializer, direction) -> str:
        # A serializer named for the body it reads (TokenRequestSerializer, EvidenceInputSerializer)
        # would become "TokenRequestRequest": drf-spectacular adds "Request" to every request
        # component itself (COMPONENT_SPLIT_REQUEST), so the word is dropped here once.
        name = super().get_serializer_name(serializer, direction).removesuffix("Serializer")
        if direction == "request":
            for word in ("Request", "Input"):
                name = name.removesuffix(word)
        return name

    def get_auth(self):
        auth = super().get_auth()
        # Operations anonymous callers may use (published claims, ClaimReviews) say so,
        # so generated clients do not insist on credentials there.
        action = getattr(self.view, "action", None)
        if self.method.upper() == "GET" and action in getattr(self.view, "anonymous_actions", ()):
            auth = [*auth, {}]
        return auth

    def _is_idempotent(self) -> bool:
        handler = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        return getattr(handler, "idempotent", False)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._is_idempotent():
            from tracker.api.idempotency import PARAMETER

            parameters = [*parameters, PARAMETER]
        # Nested routes (claims/{claim_pk}/evidence/) match their parent's id with [0-9]+, which
        # drf-spectacular can only describe as a digit string; it is the parent's integer id.
        for name in re.findall(r"\{(\w+_pk)\}", self.path):
            parent = name.removesuffix("_pk")
            parameters = [
                *parameters,
                OpenApiParameter(name, int, OpenApiParameter.PATH, description=f"The id of the {parent}."),
            ]
        return parameters

    def get_tags(self) -> list[str]:
        # Group operations by resource (claims/{id}/evidence/ under "claims"), not all under "v1".
        parts = [part for part in self.path.split("/") if part]
        if len(parts) >= 3 and parts[1] == "v1":
            return [parts[2]]
        return super().get_tags()
