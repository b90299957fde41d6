"""API v1 for the inbox and outbox (DESIGN §8): articles/fetch/, feeds/, comments, notifications/, webhooks/."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from tracker import roles
from tracker.api import idempotency, pagination
from tracker.api import serializers as s
from tracker.api.exceptions import exception_handler
from tracker.api.idempotency import idempotent
from tracker.api.permissions import ClaimPartPermission, _outside_answer
from tracker.api.schema import CONFLICT, ERROR
from tracker.api.views import ApiMixin, _id_or_404, body_dict
from tracker.errors import DeskError
from tracker.inbox import comments, feeds, notifications, pages
from tracker.inbox.models import Comment, Feed, FeedEntry, Notification, Webhook, WebhookDelivery
from tracker.models import Claim, Outlet


def inbox_exception_handler(exc, context):
    """The API's mapping, and any DeskError by the status and field it carries."""
    response = exception_handler(exc, context)
    if response is None and isinstance(exc, DeskError):
        key = exc.field or "detail"
        return Response({key: [str(exc)] if exc.field else str(exc)}, status=exc.status)
    return response


class InboxApiMixin(ApiMixin):
    def get_exception_handler(self):
        return inbox_exception_handler


class TextField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# ---------------------------------------------------------------- articles/fetch/


class FetchRequestSerializer(serializers.Serializer):
    url = TextField(max_length=2000, help_text="The page's http(s) address.")
    outlet = s.id_field(Outlet, required=False, allow_null=True)


class FetchPermission(BasePermission):
    message = "Your role cannot import articles."

    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        return request.user.has_perm("tracker.add_article") if answer is None else answer


@extend_schema_view(
    create=extend_schema(
        summary="Import an article from its URL",
        description="Fetches the page (http or https, public addresses only unless listed in "
        "FACTDESK_FETCH_ALLOWED_HOSTS), extracts its text and metadata and stores it: 201 for a new article, "
        "200 when the page at a stored URL changed (the article is updated and its quotes found again), 409 "
        "for a duplicate (the same text, or the same unchanged page), 400 for an address that is refused, "
        "422 for a page that cannot be fetched or holds no article (unreachable, not HTML, too large).",
        request=FetchRequestSerializer,
        responses={
            201: s.ArticleSerializer,
            200: s.ArticleSerializer,
            400: OpenApiResponse(ERROR, description="Not an http(s) address, or one the desk may not fetch."),
            409: CONFLICT,
            422: OpenApiResponse(ERROR, description="Unreachable, not a web page, too large, or no article text."),
        },
    )
)
class ArticleFetchViewSet(InboxApiMixin, viewsets.GenericViewSet):
    permission_classes = [FetchPermission]
    serializer_class = FetchRequestSerializer

    def create(self, request, *args, **kwargs):
        replayed = idempotency.replay(request)
        if replayed is not None:
            return replayed
        serializer = FetchRequestSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        url = serializer.validated_data["url"]
        # Fetched outside any transaction: a slow site must not hold the database.
        page = pages.fetch_page(url)

        def store():
            result = pages.store_page(
                page, requested=url, by=request.user, outlet=serializer.validated_data.get("outlet")
            )
            code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
            return Response(s.ArticleSerializer(result.article).data, status=code)

        return idempotency.once(request, store)

    create.idempotent = True


# ---------------------------------------------------------------- feeds/


class FeedSerializer(serializers.ModelSerializer):
    outlet = s.id_field(Outlet, required=False, allow_null=True)
    interval_minutes = serializers.IntegerField(min_value=5, max_value=7 * 24 * 60, required=False)

    class Meta:
        model = Feed
        fields = [
            "id",
            "url",
            "title",
            "kind",
            "outlet",
            "active",
            "interval_minutes",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "error_count",
            "entries_brought",
            "next_poll_at",
            "created_at",
        ]
        read_only_fields = [
            "last_polled_at",
            "last_success_at",
            "last_error",
            "error_count",
            "entries_brought",
            "next_poll_at",
            "created_at",
        ]
        extra_kwargs = {"url": {"validators": []}}

    def validate_url(self, value: str) -> str:
        value = feeds.check_feed_url(value)
        others = Feed.objects.filter(url=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("This feed is already being read.")
        return value


class FeedEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = FeedEntry
        fields = ["id", "guid", "link", "title", "published_at", "seen_at", "state", "article", "error"]
        read_only_fields = fields


class FeedPermission(BasePermission):
    message = "Your role cannot change feeds."

    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        if answer is not None:
            return answer
        if request.method in SAFE_METHODS:
            return request.user.has_perm("tracker.view_feed")
        return roles.can_manage_feeds(request.user)


@extend_schema_view(
    list=extend_schema(summary="List feeds, with when each was last read and its last error"),
    retrieve=extend_schema(summary="One feed"),
    create=extend_schema(summary="Add a feed (RSS, Atom or ClaimReview); the worker reads it soon"),
    partial_update=extend_schema(summary="Change a feed"),
    destroy=extend_schema(summary="Stop reading a feed and forget it (its articles stay)"),
)
class FeedViewSet(
    InboxApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Feed.objects.order_by("id")
    serializer_class = FeedSerializer
    permission_classes = [FeedPermission]
    pagination_class = pagination.PagePagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            feed = Feed(**serializer.validated_data, created_by=request.user)
            feed._history_user = request.user
            feed.save()
        return Response(self.get_serializer(feed).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        feed = self.get_object()
        serializer = self.get_serializer(feed, data=body_dict(request), partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            for name, value in serializer.validated_data.items():
                setattr(feed, name, value)
            feed._history_user = request.user
            feed.save(update_fields=[*serializer.validated_data])
        return Response(self.get_serializer(feed).data)

    def perform_destroy(self, instance):
        instance._history_user = self.request.user
        instance.delete()

    @extend_schema(summary="Read the feed now", request=None, responses={202: ERROR})
    @action(detail=True, methods=["post"])
    def poll(self, request, *args, **kwargs):
        feed = self.get_object()
        queued = feeds.queue_poll(feed)
        detail = "The worker will read the feed shortly." if queued else "A read of this feed is already queued."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The feed's entries, newest first, and what became of each", responses=FeedEntrySerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def entries(self, request, *args, **kwargs):
        feed = self.get_object()
        paginator = pagination.PagePagination()
        page = paginator.paginate_queryset(feed.entries.order_by("-seen_at", "-id"), request, view=self)
        return paginator.get_paginated_response(FeedEntrySerializer(page, many=True).data)


# ---------------------------------------------------------------- claims/{id}/comments/


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    mentions = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    editable_until = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "claim", "author", "body", "created_at", "edited_at", "editable_until", "mentions"]
        read_only_fields = ["claim", "created_at", "edited_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["editable_until"] = instance.editable_until().isoformat().replace("+00:00", "Z")
        return data


class CommentInputSerializer(serializers.Serializer):
    body = TextField(max_length=comments.MAX_LENGTH, trim_whitespace=True)


@extend_schema_view(
    list=extend_schema(summary="The claim's discussion, oldest first"),
    create=extend_schema(
        summary="Comment on the claim; @username mentions notify those desk members",
        request=CommentInputSerializer,
        responses={201: CommentSerializer},
    ),
    partial_update=extend_schema(
        summary="Change your comment (within 15 minutes of writing it)",
        request=CommentInputSerializer,
        responses={200: CommentSerializer, 403: ERROR, 409: ERROR},
    ),
)
class ClaimCommentViewSet(InboxApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CommentSerializer
    permission_classes = [ClaimPartPermission]
    pagination_class = pagination.PagePagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_claim(self) -> Claim:
        if not hasattr(self, "_claim"):
            self._claim = get_object_or_404(Claim.objects.all(), pk=_id_or_404(self.kwargs["claim_pk"]))
        return self._claim

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return (
            Comment.objects.filter(claim=self.get_claim())
            .select_related("author")
            .prefetch_related("mentions")
            .order_by("created_at", "id")
        )

    @idempotent
    def create(self, request, *args, **kwargs):
        claim = self.get_claim()
        serializer = CommentInputSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        comment = comments.add_comment(claim, serializer.validated_data["body"], by=request.user)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        comment = get_object_or_404(self.get_queryset(), pk=_id_or_404(self.kwargs["pk"]))
        serializer = CommentInputSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        comment = comments.edit_comment(comment, serializer.validated_data["body"], by=request.user)
        return Response(CommentSerializer(comment).data)


# ---------------------------------------------------------------- notifications/


class NotificationSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    text = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "claim", "comment", "actor", "note", "created_at", "read", "read_at"]
        read_only_fields = fields

    def get_text(self, obj) -> str:
        return notifications.describe(obj)

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=s.MAX_ID), required=False, max_length=1000
    )


class SignedInPermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        return True if answer is None else answer


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications, newest first",
        parameters=[OpenApiParameter("unread", bool, description="1 for unread ones only")],
    ),
)
class NotificationViewSet(InboxApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    permission_classes = [SignedInPermission]
    pagination_class = pagination.PagePagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        queryset = notifications.for_user(self.request.user).order_by("-created_at", "-id")
        unread = self.request.query_params.get("unread")
        if unread not in (None, "", "0", "1", "true", "false"):
            raise serializers.ValidationError({"unread": ["Give 1 (unread only) or 0."]})
        if unread in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(
        summary="How many of your notifications are unread (counted up to 100)",
        responses={200: {"type": "object", "properties": {"unread": {"type": "integer"}}}},
    )
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request, *args, **kwargs):
        return Response({"unread": notifications.unread_count(request.user)})

    @extend_schema(
        summary="Mark notifications read: the ids given, or all of yours",
        request=MarkReadSerializer,
        responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}},
    )
    @action(detail=False, methods=["post"], url_path="read")
    def mark_read(self, request, *args, **kwargs):
        serializer = MarkReadSerializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        marked = notifications.mark_read(request.user, serializer.validated_data.get("ids"))
        return Response({"marked": marked})


# ---------------------------------------------------------------- webhooks/ (admins)


class AdminOnly(BasePermission):
    message = "Only administrators manage webhooks."

    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        if answer is not None:
            return answer
        return bool(request.user.is_superuser)


class WebhookSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(write_only=True, min_length=16, max_length=200)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Webhook.EVENTS), allow_empty=False, max_length=len(Webhook.EVENTS)
    )

    class Meta:
        model = Webhook
        fields = ["id", "url", "secret", "events", "active", "description", "created_at"]
        read_only_fields = ["created_at"]

    def validate_url(self, value: str) -> str:
        return feeds.check_feed_url(value)

    def validate_events(self, value: list[str]) -> list[str]:
        return sorted(set(value))


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "claim",
            "state",
            "attempts",
            "response_status",
            "last_error",
            "log",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="List webhooks (administrators)"),
    retrieve=extend_schema(summary="One webhook"),
    create=extend_schema(summary="Add a webhook: url, secret (16+ characters), events"),
    partial_update=extend_schema(summary="Change a webhook"),
    destroy=extend_schema(summary="Remove a webhook and its delivery log"),
)
class WebhookViewSet(
    InboxApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Webhook.objects.order_by("id")
    serializer_class = WebhookSerializer
    permission_classes = [AdminOnly]
    pagination_class = pagination.PagePagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=body_dict(request))
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            hook = serializer.save()
        return Response(self.get_serializer(hook).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        hook = self.get_object()
        serializer = self.get_serializer(hook, data=body_dict(request), partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            hook = serializer.save()
        return Response(self.get_serializer(hook).data)

    @extend_schema(summary="The webhook's deliveries, newest first", responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, *args, **kwargs):
        hook = self.get_object()
        paginator = pagination.PagePagination()
        page = paginator.paginate_queryset(hook.deliveries.order_by("-created_at", "-id"), request, view=self)
        return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


__all__ = [
    "ArticleFetchViewSet",
    "ClaimCommentViewSet",
    "FeedViewSet",
    "NotificationViewSet",
    "WebhookViewSet",
]
