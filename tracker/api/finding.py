"""API of finding (DESIGN §6): the fact-check archive, POST match/, claims/{id}/similar/ and claims/{id}/merge/."""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from tracker import roles
from tracker.api import pagination
from tracker.api.permissions import _outside_answer
from tracker.api.reading import OneObjectSchema
from tracker.api.schema import CONFLICT, ERROR, IF_MATCH
from tracker.api.serializers import MatchesSerializer, match_row
from tracker.api.views import PRECONDITION_REQUIRED, STALE, ApiMixin, _id_or_404, body_dict, expected_version
from tracker.finding import factchecks, matching, merge
from tracker.finding.models import FactCheck
from tracker.models import Claim

# A fact-checker's whole archive in one request: the CheckThat! collection of 14k reviews is about 7 MB.
MAX_IMPORT_BYTES = 64 * 1024 * 1024


class FactCheckSerializer(serializers.ModelSerializer):
    feed = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = FactCheck
        fields = [
            "id",
            "claim_reviewed",
            "headline",
            "summary",
            "url",
            "publisher",
            "published_at",
            "rating_label",
            "language",
            "claimant",
            "imported_at",
            "updated_at",
            "feed",
        ]
        read_only_fields = fields


class ImportErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the payload (0 = the first; CSV: data rows).")
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField(help_text="Stored fact-checks (same url) whose fields changed.")
    skipped = serializers.IntegerField(help_text="Unchanged items, and bad ones (also listed in errors).")
    errors = ImportErrorSerializer(many=True)


class ImportBodyParser(BaseParser):
    """Read an import's body as text (JSON-LD, CSV or HTML), up to MAX_IMPORT_BYTES, whatever Django's form limit."""

    media_type = "*/*"
    TYPES = {
        "application/json": "json",
        "application/ld+json": "json",
        "text/csv": "csv",
        "application/csv": "csv",
        "text/html": "html",
        "application/x-ndjson": "jsonl",
        "application/jsonl": "jsonl",
    }

    def parse(self, stream, media_type=None, parser_context=None):
        kind = self.TYPES.get((media_type or "").split(";", 1)[0].strip().lower())
        if kind is None:
            raise ParseError("Send ClaimReview JSON-LD (application/ld+json or application/json) or text/csv.")
        raw = stream.read(MAX_IMPORT_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_IMPORT_BYTES:
            raise ParseError(f"An import may be at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split the file.")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ParseError("The body is not UTF-8 text.") from None
        if "\x00" in text:
            raise ParseError("The body contains NUL characters.")
        return {"kind": kind, "text": text}


class FactCheckPermission(BasePermission):
    """Desk members read the archive; importing is for editors, reviewers and admins."""

    message = "Your role cannot import fact-checks."

    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        if answer is not None:
            return answer
        if view.action == "import_":
            return roles.can_import_factchecks(request.user)
        return request.user.has_perm("tracker.view_factcheck")


@extend_schema_view(
    list=extend_schema(summary="The fact-check archive, newest first"),
    retrieve=extend_schema(summary="One fact-check"),
)
class FactCheckViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [FactCheckPermission]
    pagination_class = pagination.PagePagination
    serializer_class = FactCheckSerializer
    queryset = FactCheck.objects.order_by("-imported_at", "-id")

    @extend_schema(
        summary="Import fact-checks: ClaimReview JSON-LD or CSV",
        description="JSON-LD: one ClaimReview, a list, a DataFeed or an ItemList of them. CSV (Content-Type: "
        "text/csv): a header row naming at least claim_reviewed and url; also headline, rating, publisher, "
        "published_at, claimant, language, summary. Upserts by url; a bad item is reported in errors (by index) "
        "and skipped, the others are stored. A payload that cannot be read at all is a 400.",
        request={
            "application/ld+json": {"$ref": "#/components/schemas/ClaimReviewImport"},
            "application/json": {"$ref": "#/components/schemas/ClaimReviewImport"},
            "text/csv": {"type": "string", "description": "A header row, then one fact-check a row (UTF-8)."},
        },
        responses={200: ImportResultSerializer, 400: OpenApiResponse(ERROR)},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[ImportBodyParser])
    def import_(self, request, *args, **kwargs):
        body = request.data
        if not isinstance(body, dict) or "kind" not in body:  # no body at all: DRF parses nothing
            raise ParseError("Send the fact-checks: ClaimReview JSON-LD or CSV.")
        if body["kind"] == "json":
            try:
                payload = json.loads(body["text"])
            except (ValueError, RecursionError) as exc:
                raise ParseError(f"JSON parse error - {exc}"[:300]) from None
            result = factchecks.import_claimreviews(payload, by=request.user)
        else:
            result = factchecks.import_text(body["text"], body["kind"], by=request.user)
        return Response(result)


class MatchRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000, help_text="The words to look for: a claim, a post, a quote.")
    limit = serializers.IntegerField(min_value=1, max_value=50, default=5)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(matching.MATCH_KINDS),
        allow_empty=False,
        default=["claim", "factcheck"],
        max_length=2,
    )
    language = serializers.CharField(
        required=False, max_length=35, help_text="Stem the text in this language (BCP 47) rather than the desk's."
    )

    def validate_text(self, value: str) -> str:
        if not isinstance(self.initial_data.get("text"), str):
            raise serializers.ValidationError("Give the text as a string.")
        return value


class DeskReader(BasePermission):
    """Desk members only (anonymous callers 401): matching reads drafts."""

    message = "Your account is not a member of the desk."

    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        return True if answer is None else answer


class MatchViewSet(ApiMixin, viewsets.ViewSet):
    permission_classes = [DeskReader]

    @extend_schema(
        summary="Has this been checked before? The desk's claims and fact-checks that match a text, best first",
        request=MatchRequestSerializer,
        responses={200: MatchesSerializer},
        tags=["match"],
    )
    def create(self, request):
        serializer = MatchRequestSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "\x00" in data["text"]:
            raise serializers.ValidationError({"text": ["The text contains a NUL character."]})
        found = matching.find(
            data["text"], limit=data["limit"], kinds=list(dict.fromkeys(data["kinds"])), language=data.get("language")
        )
        return Response({"results": [match_row(m, request) for m in found]})


class ClaimSimilarViewSet(ApiMixin, viewsets.ViewSet):
    permission_classes = [DeskReader]
    schema = OneObjectSchema()  # a list route answering one object ({"results": [...]})

    @extend_schema(
        summary="Claims and fact-checks like this claim (itself left out), best first",
        responses={200: MatchesSerializer, 404: OpenApiResponse(ERROR)},
        tags=["claims"],
    )
    def list(self, request, claim_pk=None):
        claim = get_object_or_404(Claim.objects.all(), pk=_id_or_404(claim_pk))
        raw = request.query_params.get("limit", "5")
        if not raw.isdigit() or not 1 <= int(raw) <= 50:
            raise serializers.ValidationError({"limit": ["Give a whole number from 1 to 50."]})
        found = matching.find_similar(claim, limit=int(raw))
        return Response({"results": [match_row(m, request) for m in found]})


class MergeRequestSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The claim that stays.")
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31, help_text="This claim's.")


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField()
    moved_appearances = serializers.IntegerField()
    moved_evidence = serializers.IntegerField()


class MergePermission(BasePermission):
    message = "Your role cannot merge claims."

    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        return roles.can_merge(request.user) if answer is None else answer


class ClaimMergeViewSet(ApiMixin, viewsets.ViewSet):
    permission_classes = [MergePermission]

    def serialize_claim(self, claim: Claim) -> dict:
        """The claim as claims/{id}/ shows it: a 412 answers with its current state."""
        from tracker.api.serializers import ClaimSerializer
        from tracker.api.views import desk_claims

        return ClaimSerializer(desk_claims().get(pk=claim.pk), context={"request": self.request}).data

    @extend_schema(
        summary="Merge this claim into another: its appearances and evidence move, it goes to the trash",
        description='Send this claim\'s version (If-Match or "version"). The merged claim must be new or '
        'researching; it is trashed with the note "merged into #N" and both claims\' histories record it.',
        request=MergeRequestSerializer,
        responses={200: MergeSerializer, 409: CONFLICT, 412: STALE, 428: PRECONDITION_REQUIRED},
        parameters=[IF_MATCH],
        tags=["claims"],
    )
    def create(self, request, claim_pk=None):
        claim = get_object_or_404(Claim.objects.all(), pk=_id_or_404(claim_pk))
        serializer = MergeRequestSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        target = Claim.objects.filter(pk=serializer.validated_data["into"]).first()
        if target is None:
            raise serializers.ValidationError({"into": ["No claim (outside the trash) has this id."]})
        version = expected_version(request, claim, serializer.validated_data.get("version"))
        if not roles.can_merge(request.user):
            raise PermissionDenied("Your role cannot merge claims.")
        result = merge.merge_claims(claim, into=target, by=request.user, expected_version=version)
        return Response(
            {"into": result.into.pk, "moved_appearances": result.appearances, "moved_evidence": result.evidence},
            status=status.HTTP_200_OK,
            headers={"ETag": result.into.etag},
        )
