"""API of the reading aids (DESIGN §7): an article's check-worthy sentences, and scoring any sentences."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from tracker.api.permissions import _outside_answer
from tracker.api.schema import ERROR, FactdeskAutoSchema
from tracker.api.views import ApiMixin, _id_or_404, body_dict
from tracker.models import Article
from tracker.reading import checkworthiness, suggestions


class DeskReader(BasePermission):
    """Any desk member may read suggestions and score sentences (it changes nothing); others get 401/403."""

    message = "Your account is not a member of the desk."

    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        return True if answer is None else answer


class ModelUnavailable(APIException):
    status_code = 503
    default_detail = "The check-worthiness model cannot be read; rebuild it with make train-checkworthy."
    default_code = "model_unavailable"


class SuggestionSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="Offset of the sentence in the body, in code points (as quotes).")
    end = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField(help_text="0–1: how much the sentence looks like a factual claim worth checking.")
    check_worthy = serializers.BooleanField(help_text="The score reaches the scorer's threshold.")
    boilerplate = serializers.BooleanField(help_text="A caption, dateline, byline or promotion: never suggested.")


class SuggestionsSerializer(serializers.Serializer):
    language = serializers.CharField()
    scorer = serializers.ChoiceField(
        [checkworthiness.ENGLISH, checkworthiness.NEUTRAL],
        help_text="english: the trained model; language-neutral: the weaker scorer used for other languages "
        "(numbers, quantities, attributions).",
    )
    threshold = serializers.FloatField()
    results = SuggestionSerializer(many=True)


class TextField(serializers.CharField):
    """Text only: a number is not a sentence (DRF's CharField would turn 1 into "1")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CheckworthinessRequestSerializer(serializers.Serializer):
    sentences = serializers.ListField(
        child=TextField(allow_blank=True, trim_whitespace=False, max_length=5000),
        max_length=checkworthiness.MAX_SENTENCES,
        allow_empty=True,
    )
    language = serializers.CharField(required=False, default="en", max_length=35)


class ScoreSerializer(serializers.Serializer):
    score = serializers.FloatField()
    check_worthy = serializers.BooleanField()


class CheckworthinessSerializer(serializers.Serializer):
    scorer = serializers.CharField()
    threshold = serializers.FloatField()
    results = ScoreSerializer(many=True)


def _scored(call):
    try:
        return call()
    except checkworthiness.ModelUnavailable as exc:
        raise ModelUnavailable(str(exc)) from exc


class OneObjectSchema(FactdeskAutoSchema):
    """The suggestions route is a list route that answers one object ({language, scorer, threshold, results})."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class ArticleSuggestionViewSet(ApiMixin, viewsets.ViewSet):
    permission_classes = [DeskReader]
    schema = OneObjectSchema()

    @extend_schema(
        summary="Every sentence of an article, scored for check-worthiness",
        responses={200: SuggestionsSerializer, 404: OpenApiResponse(ERROR), 503: OpenApiResponse(ERROR)},
        tags=["articles"],
    )
    def list(self, request, article_pk=None):
        article = get_object_or_404(Article, pk=_id_or_404(article_pk))
        found = _scored(lambda: suggestions.for_article(article))
        return Response(
            {
                "language": article.language,
                "scorer": found.scorer,
                "threshold": found.threshold,
                "results": SuggestionSerializer(found.results, many=True).data,
            }
        )


class CheckworthinessViewSet(ApiMixin, viewsets.ViewSet):
    permission_classes = [DeskReader]

    @extend_schema(
        summary="Score sentences for check-worthiness (up to 500), in the order given",
        request=CheckworthinessRequestSerializer,
        responses={200: CheckworthinessSerializer, 400: OpenApiResponse(ERROR), 503: OpenApiResponse(ERROR)},
        tags=["checkworthiness"],
    )
    def create(self, request):
        serializer = CheckworthinessRequestSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        texts = serializer.validated_data["sentences"]
        language = serializer.validated_data["language"]
        if any("\x00" in text for text in texts):
            raise serializers.ValidationError({"sentences": ["A sentence contains a NUL character."]})
        scored, scorer = _scored(lambda: checkworthiness.score(texts, language))
        model = checkworthiness.scorer_for(language)
        return Response(
            {
                "scorer": scorer,
                "threshold": model.threshold,
                "results": [{"score": s.score, "check_worthy": s.check_worthy} for s in scored],
            }
        )
