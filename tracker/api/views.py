"""REST API v1 (DESIGN §4): thin viewsets that parse, call the domain and shape the answer.

Every write goes through tracker.claims, tracker.workflow or tracker.articles;
their refusals become status codes in tracker.api.exceptions.
"""

from __future__ import annotations

import re

from django.contrib.auth import authenticate
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from tracker import articles, claimreview, claims, history, references, roles, versions, workflow
from tracker.api import filters, pagination
from tracker.api import serializers as s
from tracker.api.authentication import TokenAuthentication
from tracker.api.exceptions import PreconditionRequired, exception_handler
from tracker.api.idempotency import idempotent
from tracker.api.listing import desk_claim_rows, page_parts
from tracker.api.parsers import StrictJSONParser
from tracker.api.permissions import (
    ClaimPartPermission,
    ClaimPermission,
    DeskPermission,
    PublicPermission,
    _outside_answer,
)
from tracker.api.renderers import FastJSONRenderer
from tracker.api.schema import CONFLICT, ERROR, ETAG, IF_MATCH, IF_NONE_MATCH, FactdeskAutoSchema
from tracker.bulk import export
from tracker.clients import client_address
from tracker.models import Appearance, Article, Claim, Claimant, Evidence, Outlet, Rating, Source, Tag

ETAG_RE = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')
ETAG_LIST_RE = re.compile(r'(?:W/)?("[^"]*")')
CLAIM_ETAG_RE = re.compile(r"^(\d{1,18})-(\d{1,10})$")

CLAIMREVIEW_SCHEMA = {
    "type": "object",
    "description": "schema.org ClaimReview (JSON-LD), from the claim's last published verdict.",
    "required": [
        "@context",
        "@type",
        "url",
        "claimReviewed",
        "author",
        "datePublished",
        "reviewRating",
        "itemReviewed",
    ],
    "properties": {
        "@context": {"type": "string", "enum": ["https://schema.org"]},
        "@type": {"type": "string", "enum": ["ClaimReview"]},
        "url": {"type": "string", "format": "uri"},
        "claimReviewed": {"type": "string"},
        "author": {"type": "object", "additionalProperties": True},
        "datePublished": {"type": "string", "format": "date"},
        "dateModified": {"type": "string"},
        "reviewBody": {"type": "string"},
        "reviewRating": {
            "type": "object",
            "required": ["@type", "alternateName"],
            "properties": {
                "@type": {"type": "string", "enum": ["Rating"]},
                "alternateName": {"type": "string"},
                "ratingValue": {"type": "integer"},
                "bestRating": {"type": "integer"},
                "worstRating": {"type": "integer"},
            },
        },
        "itemReviewed": {"type": "object", "additionalProperties": True},
        "correction": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
}


class JSONLDRenderer(FastJSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class CSVRenderer(BaseRenderer):
    """text/csv for claims/ (DESIGN §9); the list itself streams (tracker.bulk.export), this renders refusals."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        lines = []
        items = data.items() if isinstance(data, dict) else [("detail", data)]
        for field, messages in items:
            for message in messages if isinstance(messages, list) else [messages]:
                lines.append([field, str(message)])
        return "".join(export.csv_lines(["field", "message"], lines)).encode("utf-8")


class ApiMixin:
    """What every API v1 view shares: token first (so anonymous callers get 401), strict JSON, our errors."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    parser_classes = [StrictJSONParser]
    renderer_classes = [FastJSONRenderer]
    schema = FactdeskAutoSchema()

    def get_exception_handler(self):
        return exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # What a caller sees depends on who they are, and tokens travel in this header.
        patch_vary_headers(response, ["Authorization"])
        return response


def public_etag(claim: Claim) -> str:
    """The ETag of the published representation: it changes when the claim is published again, not before."""
    return f'"{claim.pk}-p{claim.public_snapshot.get("version", 0)}"'


@csrf_exempt  # it changes nothing, and a 403 page for a POST would hide the 404
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Answer an address under /api/ that names nothing with a JSON 404, like every other API error."""
    return JsonResponse({"detail": "Not found."}, status=404)


def body_dict(request) -> dict:
    """Return the JSON body as a dict; a body that is not an object is a 400."""
    data = request.data
    if not hasattr(data, "keys"):
        raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
    return data


def is_desk(request) -> bool:
    return roles.is_staff_member(request.user)


class TokenThrottle(AnonRateThrottle):
    """Slow down password guessing: a few attempts a minute per address, counted across all workers."""

    rate = "20/min"

    @property
    def cache(self):
        return caches["throttle"]

    def get_ident(self, request) -> str:
        # Not DRF's own: it believes any X-Forwarded-For (tracker.clients says whose to believe).
        return client_address(request)


class ObtainTokenView(ApiMixin, APIView):
    """Exchange a username and password for an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(
        request=s.TokenRequestSerializer,
        responses={
            200: s.TokenSerializer,
            400: OpenApiResponse(
                {"type": "object", "additionalProperties": True},
                description="Wrong username or password, or a field missing.",
            ),
            429: OpenApiResponse(ERROR, description="Too many attempts from this address; wait and try again."),
        },
        auth=[],
        operation_id="auth_token_create",
        tags=["auth"],
    )
    def post(self, request):
        serializer = s.TokenRequestSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": ["Unable to log in with those credentials."]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class ResourceViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Desk resources (GET, POST, PATCH), readable and writable by model permission."""

    permission_classes = [DeskPermission]
    pagination_class = pagination.PagePagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def permission_model(self):
        return self.queryset.model

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        instance = self.save_or_revalidate(serializer, lambda: self.get_serializer(data=body_dict(request)))
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=body_dict(request), partial=True)
        serializer.is_valid(raise_exception=True)
        instance = self.save_or_revalidate(
            serializer, lambda: self.get_serializer(instance, data=body_dict(request), partial=True)
        )
        return Response(self.get_serializer(instance).data)

    def save_or_revalidate(self, serializer, again):
        """Save; when a concurrent writer took a unique value meanwhile, answer as if it had been first."""
        try:
            with transaction.atomic():
                return serializer.save()
        except IntegrityError:
            # The same 400 on the field that a request arriving a moment later gets from validation.
            again().is_valid(raise_exception=True)
            raise


@extend_schema_view(
    list=extend_schema(summary="List outlets"),
    create=extend_schema(summary="Add an outlet"),
    partial_update=extend_schema(summary="Change an outlet"),
)
class OutletViewSet(ResourceViewSet):
    queryset = Outlet.objects.order_by("name", "id")
    serializer_class = s.OutletSerializer


class ArticlePermission(DeskPermission):
    """Articles: model permissions, except that whoever may import may ask to edit; the domain decides which."""

    def has_permission(self, request, view) -> bool:
        if request.method == "PATCH":
            answer = _outside_answer(request, view)
            return roles.can_log(request.user) if answer is None else answer
        return super().has_permission(request, view)


@extend_schema_view(
    list=extend_schema(summary="List articles (without their body)", responses=s.ArticleListSerializer(many=True)),
    create=extend_schema(
        summary="Import an article",
        description="A body already stored (the same normalised text) answers 409 with the existing article's id. "
        "A URL already stored with other text is a re-import: the stored article is updated (200, "
        '"updated": true) and its quotes are found again in the new text ("quotes" says what became of each).',
        responses={201: s.ArticleEditedSerializer, 200: s.ArticleEditedSerializer, 409: CONFLICT},
    ),
    partial_update=extend_schema(
        summary="Change an article",
        description="Editors, and reporters for their own imports while no claim from them is published. "
        'Send "version" (the article\'s, from any GET) to be refused with 412 if someone changed it meanwhile. '
        "A changed body "
        're-anchors every quote: "quotes" says what became of each.',
        responses={200: s.ArticleEditedSerializer, 409: CONFLICT, 412: CONFLICT},
    ),
)
class ArticleViewSet(ResourceViewSet):
    queryset = Article.objects.order_by("-created_at", "-id")
    permission_classes = [ArticlePermission]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset.defer("body")
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return s.ArticleListSerializer
        if self.action in ("create", "partial_update"):
            return s.ArticleEditedSerializer
        return s.ArticleSerializer

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        article, created = articles.import_or_update(by=request.user, **serializer.validated_data)
        article.was_updated = not created
        return Response(
            self.get_serializer(article).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        data = dict(body_dict(request))
        version = data.pop("version", None)
        if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
            raise serializers.ValidationError({"version": ["Send the article's version as a whole number."]})
        serializer = self.get_serializer(instance, data=data, partial=True)
        serializer.is_valid(raise_exception=True)
        article = articles.edit_article(
            instance, by=request.user, expected_version=version, **serializer.validated_data
        )
        article.was_updated = True
        return Response(self.get_serializer(article).data)


@extend_schema_view(
    list=extend_schema(summary="List claimants"),
    create=extend_schema(summary="Add a claimant"),
    partial_update=extend_schema(summary="Change a claimant"),
)
class ClaimantViewSet(ResourceViewSet):
    queryset = Claimant.objects.order_by("name", "id")
    serializer_class = s.ClaimantSerializer


@extend_schema_view(
    list=extend_schema(summary="List sources"),
    create=extend_schema(
        summary="Add a source",
        description="A source whose URL is already stored (compared after normalising scheme and host) is "
        "reused: the answer is 200 with the stored source instead of 201.",
        responses={201: s.SourceSerializer, 200: s.SourceSerializer},
    ),
    partial_update=extend_schema(summary="Change a source"),
)
class SourceViewSet(ResourceViewSet):
    queryset = Source.objects.order_by("title", "id")
    serializer_class = s.SourceSerializer

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        source, created = references.source_for(serializer.validated_data, by=request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(source).data, status=code)


class ReadOnlyViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [DeskPermission]
    pagination_class = pagination.PagePagination

    @property
    def permission_model(self):
        return self.queryset.model


@extend_schema_view(list=extend_schema(summary="The verdict scale"))
class RatingViewSet(ReadOnlyViewSet):
    queryset = Rating.objects.order_by("order", "id")
    serializer_class = s.RatingSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"


@extend_schema_view(list=extend_schema(summary="Tags in use"))
class TagViewSet(ApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [DeskPermission]
    pagination_class = pagination.PagePagination
    queryset = Tag.objects.order_by("name", "id")
    serializer_class = s.TagSerializer
    permission_model = Tag


def parse_if_match(header: str, claim: Claim) -> int | None:
    """Return the newest version of claim named in an If-Match header, or None when none names it."""
    versions = []
    position = 0
    while position < len(header):
        match = ETAG_RE.match(header, position)
        if match is None or match.end() == position:
            return None
        weak, tag = match.groups()
        position = match.end()
        found = CLAIM_ETAG_RE.match(tag)
        # Strong comparison (RFC 9110 §13.1.1): a weak tag never matches.
        if not weak and found and int(found.group(1)) == claim.pk:
            versions.append(int(found.group(2)))
    return max(versions) if versions else None


def expected_version(request, claim: Claim, body_version: int | None) -> int:
    """Return the version the caller says it changes; 428 when it says none, 412 when it cannot match."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        if body_version is None:
            raise PreconditionRequired()
        return body_version
    if header.strip() == "*":
        raise PreconditionRequired(
            'If-Match: * does not say which version you read; send the claim\'s ETag or "version".'
        )
    version = parse_if_match(header, claim)
    if version is None:
        raise workflow.StaleVersion(claim)
    if body_version is not None and body_version != version:
        raise serializers.ValidationError({"version": ["The version in the body and the If-Match header differ."]})
    return version


CLAIM_RESPONSE = PolymorphicProxySerializer(
    component_name="ClaimOrPublishedClaim",
    serializers=[s.ClaimSerializer, s.PublishedClaimSerializer],
    resource_type_field_name=None,
)
STALE = OpenApiResponse(
    {
        "type": "object",
        "required": ["detail", "current"],
        "properties": {"detail": {"type": "string"}, "current": {"$ref": "#/components/schemas/Claim"}},
    },
    description="The claim changed since you read it; current is the claim as it is now.",
)
PRECONDITION_REQUIRED = OpenApiResponse(ERROR, description='Send If-Match or "version".')


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description="Desk members see every claim (not the trash; editors, reviewers and admins see the trash "
        "instead with ?trash=1, each claim with deleted_at and deleted_by). Anonymous callers see published "
        "claims only, as last published (PublishedClaim), and may filter them by rating and search only.",
        responses=CLAIM_RESPONSE,
    ),
    retrieve=extend_schema(
        summary="One claim",
        responses={200: CLAIM_RESPONSE, 304: OpenApiResponse(description="Your copy (If-None-Match) is current.")},
        parameters=[ETAG, IF_NONE_MATCH],
    ),
    create=extend_schema(
        summary="Log a claim with its anchored appearances",
        description="Answers the claim as logged, with `matches`: the desk's other claims and the fact-checks "
        "it was possibly checked as before, best first (as the log-claim form shows them).",
        request=s.ClaimCreateSerializer,
        responses={201: s.ClaimCreatedSerializer},
        parameters=[ETAG],
    ),
    partial_update=extend_schema(
        summary="Change a claim's fields",
        request=s.ClaimUpdateSerializer,
        responses={200: s.ClaimSerializer, 409: CONFLICT, 412: STALE, 428: PRECONDITION_REQUIRED},
        parameters=[IF_MATCH, ETAG],
    ),
    destroy=extend_schema(
        summary="Move a claim to the trash",
        request=s.VersionedSerializer,
        responses={204: None, 409: CONFLICT, 412: STALE, 428: PRECONDITION_REQUIRED},
        parameters=[IF_MATCH],
    ),
)
class ClaimViewSet(ApiMixin, viewsets.GenericViewSet):
    permission_classes = [ClaimPermission]
    anonymous_actions = ("list", "retrieve", "claimreview")
    pagination_class = pagination.CursorPagePagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = Claim.objects.all()
    serializer_class = s.ClaimSerializer

    def is_public(self) -> bool:
        if getattr(self, "swagger_fake_view", False):
            return False
        return not is_desk(self.request) or self.action == "claimreview"

    @property
    def filterset_class(self):
        return filters.PublishedClaimFilter if self.is_public() else filters.ClaimFilter

    def in_trash(self) -> bool:
        """Whether this request is about the trash: the list with ?trash=1, or a restore."""
        if getattr(self, "swagger_fake_view", False):
            return False
        return self.action == "restore" or (self.action == "list" and filters.trash_requested(self.request))

    def get_queryset(self):
        if self.action == "claimreview":
            return Claim.objects.public().prefetch_related("corrections")
        if self.is_public():
            return Claim.objects.public().prefetch_related("corrections").order_by("-created_at", "-id")
        if self.in_trash():
            return trashed_claims()
        if self.action in WRITE_ACTIONS:
            # Read once, locked, inside the write's transaction: the domain keeps it (workflow.lock_claim).
            return versions.locked_claims().filter(deleted_at__isnull=True)
        return desk_claims()

    def get_serializer_class(self):
        if self.is_public():
            return s.PublishedClaimSerializer
        return s.TrashedClaimSerializer if self.in_trash() else s.ClaimSerializer

    def serialize_claim(self, claim: Claim) -> dict:
        return s.ClaimSerializer(claim, context=self.get_serializer_context()).data

    def filter_queryset(self, queryset):
        if self.action in WRITE_ACTIONS:
            # A write names its claim by id alone: the list's query filters do not apply (building and
            # validating their form cost every write a few milliseconds for nothing).
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self):
        if self.action not in WRITE_ACTIONS:
            return super().get_object()
        # The claim the write changes, read under its lock by a statement compiled once (versions.read_locked).
        try:
            claim = versions.read_locked(
                _id_or_404(self.kwargs[self.lookup_url_kwarg or self.lookup_field]), alive=True
            )
        except Claim.DoesNotExist:
            raise Http404 from None
        self.check_object_permissions(self.request, claim)
        if transaction.get_connection().in_atomic_block:
            workflow.mark_locked(claim)
        return claim

    def claim_response(self, claim: Claim, code: int = status.HTTP_200_OK) -> Response:
        # From the claim the write returned (its related rows, tags and, when it wrote them, appearances
        # already in hand), not read again.
        claims.answer_parts(claim)
        claim.has_appearance_url = any(a.article_url for a in claim.appearances.all())
        headers = {"ETag": claim.etag}
        if code != status.HTTP_201_CREATED:
            return Response(self.serialize_claim(claim), status=code, headers=headers)
        headers["Location"] = self.reverse_action("detail", args=[claim.pk])
        # A claim just logged answers with what it was possibly checked as before (DESIGN §6): found with the
        # write (log_claim's matches), else from its appearances in hand, with their articles.
        found = claims.claim_matches(claim, MATCH_LIMIT)
        context = {**self.get_serializer_context(), "matches": found}
        return Response(s.ClaimCreatedSerializer(claim, context=context).data, status=code, headers=headers)

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            renderers.append(CSVRenderer())  # Accept: text/csv or ?format=csv
        return renderers

    def list(self, request, *args, **kwargs):
        csv = getattr(request.accepted_renderer, "format", None) == "csv"
        if not csv and self.get_serializer_class() is s.ClaimSerializer:
            # The desk's list, the API's hottest read: rows, not instances (ClaimSerializer.of_rows).
            rows = self.paginate_queryset(self.filter_queryset(desk_claim_rows()))
            tags, appearances = page_parts(rows)
            return self.get_paginated_response(s.ClaimSerializer.of_rows(rows, tags, appearances))
        queryset = self.filter_queryset(self.get_queryset())
        if csv:
            # The whole filtered list, streamed: no pagination (DESIGN §9).
            return export.csv_response(queryset.order_by("-created_at", "-id"), public=self.is_public())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        claim = self.get_object()
        etag = public_etag(claim) if self.is_public() else claim.etag
        if etag in ETAG_LIST_RE.findall(request.headers.get("If-None-Match", "")):
            # The caller's copy is current (weak comparison, RFC 9110 §13.1.2): nothing to send.
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(self.get_serializer(claim).data, headers={"ETag": etag})

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = s.ClaimCreateSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.to_domain()
        try:
            claim = claims.log_claim(data, by=request.user, matches=MATCH_LIMIT)
        except claims.AppearanceError as exc:
            if exc.index is None:
                raise serializers.ValidationError({exc.field: [str(exc)]}) from exc
            # Keyed by the appearance's index, as DRF reports errors in lists.
            raise serializers.ValidationError({"appearances": {exc.index: {exc.field: [str(exc)]}}}) from exc
        return self.claim_response(claim, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        with transaction.atomic():
            claim = self._partial_update(request)
        return self.claim_response(claim)

    def _partial_update(self, request) -> Claim:
        claim = self.get_object()
        body = body_dict(request)
        read_only = sorted(set(body) & READ_ONLY_CLAIM_FIELDS)
        if read_only:
            raise serializers.ValidationError(
                {name: [READ_ONLY_MESSAGES.get(name, "This field is read-only.")] for name in read_only}
            )
        serializer = s.ClaimUpdateSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        version = expected_version(request, claim, serializer.validated_data.get("version"))
        return claims.edit_claim(claim, serializer.changes(), by=request.user, expected_version=version)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            claim = self.get_object()
            serializer = s.VersionedSerializer(data=body_dict(request))
            serializer.is_valid(raise_exception=True)
            version = expected_version(request, claim, serializer.validated_data.get("version"))
            workflow.trash(claim, by=request.user, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Restore a claim from the trash",
        description="Editors, reviewers and admins. The claim comes back in the status it had, with its history. "
        'If-Match or "version" is optional here (nothing is overwritten); when given, a stale one answers 412. '
        "A claim that is not in the trash answers 404 (it is not found among the trashed claims).",
        request=s.VersionedSerializer,
        responses={200: s.ClaimSerializer, 400: ERROR, 409: CONFLICT, 412: STALE},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, *args, **kwargs):
        claim = self.get_object()
        serializer = s.VersionedSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        body_version = serializer.validated_data.get("version")
        version = body_version
        if request.headers.get("If-Match", "").strip() or body_version is not None:
            version = expected_version(request, claim, body_version)
        claim = workflow.restore(claim, by=request.user, expected_version=version)
        return self.claim_response(claim)

    @extend_schema(
        summary="Move a claim through the verification workflow",
        description="Refusals: 400 on note when the move needs one, 403 when your role may not make it (or you "
        "sent the claim to review yourself and try to publish it), 409 naming the allowed moves when the table "
        "does not allow it or the claim is not ready.",
        request=s.TransitionSerializer,
        responses={200: s.ClaimSerializer, 409: CONFLICT, 412: STALE, 428: PRECONDITION_REQUIRED},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transition(self, request, *args, **kwargs):
        with transaction.atomic():
            claim = self.get_object()
            serializer = s.TransitionSerializer(data=body_dict(request))
            serializer.is_valid(raise_exception=True)
            version = expected_version(request, claim, serializer.validated_data.get("version"))
            claim = workflow.transition(
                claim,
                to=serializer.validated_data["to"],
                by=request.user,
                note=serializer.validated_data.get("note", ""),
                expected_version=version,
            )
        return self.claim_response(claim)

    @extend_schema(
        summary="The claim's schema.org ClaimReview",
        description="Published claims only, as last published.",
        responses={200: OpenApiResponse(CLAIMREVIEW_SCHEMA)},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONLDRenderer, FastJSONRenderer])
    def claimreview(self, request, *args, **kwargs):
        claim = self.get_object()
        return Response(claimreview.build(claim))


WRITE_ACTIONS = {"transition", "partial_update", "destroy"}
MATCH_LIMIT = 5  # the matches a claim just logged answers with (ClaimCreatedSerializer)
READ_ONLY_CLAIM_FIELDS = set(s.ClaimSerializer.Meta.fields) - set(s.ClaimUpdateSerializer().fields)
READ_ONLY_MESSAGES = {
    "status": "Read-only: move the claim with POST claims/{id}/transition/.",
    "appearances": "Read-only here: add appearances with POST claims/{id}/appearances/.",
}


def desk_claims():
    # Each appearance brings its article's URL (claimreview.warnings): an EXISTS per claim was planned
    # as a hashed subplan over every appearance (114 ms at 100k claims).
    appearances = Appearance.objects.annotate(article_url=F("article__url")).order_by("article_id", "start", "id")
    return Claim.objects.select_related("rating", "assignee", "created_by").prefetch_related(
        "tags", Prefetch("appearances", queryset=appearances)
    )


def trashed_claims():
    return (
        Claim.all_objects.trashed()
        .select_related("rating", "assignee", "created_by", "deleted_by")
        .prefetch_related(
            "tags", Prefetch("appearances", queryset=Appearance.objects.order_by("article_id", "start", "id"))
        )
    )


class ClaimPartMixin(ApiMixin):
    """Views under claims/{claim_pk}/: the claim must exist and be one the caller may read."""

    permission_classes = [ClaimPartPermission]

    def get_claim(self) -> Claim:
        if not hasattr(self, "_claim"):
            self._claim = get_object_or_404(Claim.objects.all(), pk=_id_or_404(self.kwargs["claim_pk"]))
        return self._claim


def _id_or_404(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    return int(raw)


@extend_schema_view(
    list=extend_schema(summary="Where the claim appears"),
    create=extend_schema(
        summary="Add the claim's appearance in another article",
        request=s.AppearanceInputSerializer,
        responses={201: s.AppearanceSerializer},
    ),
)
class ClaimAppearanceViewSet(ClaimPartMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AppearanceSerializer
    pagination_class = pagination.PagePagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Appearance.objects.none()
        return Appearance.objects.filter(claim=self.get_claim()).order_by("article_id", "start", "id")

    @idempotent
    def create(self, request, *args, **kwargs):
        claim = self.get_claim()
        serializer = s.AppearanceInputSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        appearance = claims.add_appearance(claim, serializer.to_domain(), by=request.user)
        return Response(s.AppearanceSerializer(appearance).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The claim's evidence"),
    retrieve=extend_schema(summary="One piece of evidence"),
    create=extend_schema(
        summary="Link a source to the claim as evidence",
        description="Give source (an id) or source_url with source_title, source_publisher, ... A source whose "
        "URL is already stored is reused. The same source twice answers 409 with the existing evidence's id; "
        "evidence of a claim in review or published answers 409.",
        request=s.EvidenceInputSerializer,
        responses={201: s.EvidenceSerializer, 409: CONFLICT},
    ),
    destroy=extend_schema(summary="Unlink evidence from the claim", responses={204: None, 409: CONFLICT}),
)
class ClaimEvidenceViewSet(ClaimPartMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.EvidenceSerializer
    pagination_class = pagination.PagePagination
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Evidence.objects.none()
        return (
            Evidence.objects.filter(claim=self.get_claim())
            .select_related("source", "added_by")
            .order_by("added_at", "id")
        )

    @idempotent
    def create(self, request, *args, **kwargs):
        claim = self.get_claim()
        serializer = s.EvidenceInputSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # A source created for evidence that is then refused must not stay behind.
        with transaction.atomic():
            source = data.get("source") or references.source_for(serializer.source_fields(), by=request.user)[0]
            evidence = claims.add_evidence(
                claim,
                source=source,
                stance=data["stance"],
                by=request.user,
                excerpt=data.get("excerpt", ""),
                note=data.get("note", ""),
            )
        evidence = self.get_queryset().get(pk=evidence.pk)
        return Response(s.EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        evidence = self.get_object()
        claims.remove_evidence(evidence, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(summary="The claim's history: transitions and field edits, oldest first"))
class ClaimHistoryViewSet(ClaimPartMixin, viewsets.GenericViewSet):
    queryset = Claim.objects.none()  # the history is read from the claim's timeline, not a queryset
    serializer_class = s.HistoryEntrySerializer
    pagination_class = pagination.PagePagination

    def list(self, request, *args, **kwargs):
        entries = [entry.as_dict() for entry in history.claim_timeline(self.get_claim())]
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ClaimReviewFeedSerializer(serializers.BaseSerializer):
    def to_representation(self, claim: Claim) -> dict:
        return claimreview.build(claim)


@extend_schema_view(
    list=extend_schema(
        summary="Feed of published ClaimReviews, newest first",
        # The item schema: the list and pagination wrappers are added by drf-spectacular.
        responses=OpenApiResponse(CLAIMREVIEW_SCHEMA),
    )
)
class ClaimReviewFeedViewSet(ApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [PublicPermission]
    # JSON: the page ({next, previous, results}) is no JSON-LD document; each result is a ClaimReview.
    renderer_classes = [FastJSONRenderer]
    anonymous_actions = ("list",)
    pagination_class = pagination.FeedPagination
    serializer_class = ClaimReviewFeedSerializer

    def get_queryset(self):
        return Claim.objects.public().prefetch_related("corrections")
