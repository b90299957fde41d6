"""API v1 on one router, the OpenAPI schema and the offline Swagger UI."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from tracker.api import finding, inbox, reading, views

router = SimpleRouter()
router.register("outlets", views.OutletViewSet, basename="api-outlet")
router.register("articles/fetch", inbox.ArticleFetchViewSet, basename="api-article-fetch")  # before articles/{id}/
router.register("articles", views.ArticleViewSet, basename="api-article")
router.register("claimants", views.ClaimantViewSet, basename="api-claimant")
router.register("claims", views.ClaimViewSet, basename="api-claim")
router.register(r"claims/(?P<claim_pk>[0-9]+)/appearances", views.ClaimAppearanceViewSet, basename="api-appearance")
router.register(r"claims/(?P<claim_pk>[0-9]+)/evidence", views.ClaimEvidenceViewSet, basename="api-evidence")
router.register(r"claims/(?P<claim_pk>[0-9]+)/history", views.ClaimHistoryViewSet, basename="api-history")
router.register(r"claims/(?P<claim_pk>[0-9]+)/comments", inbox.ClaimCommentViewSet, basename="api-comment")
router.register(r"claims/(?P<claim_pk>[0-9]+)/similar", finding.ClaimSimilarViewSet, basename="api-similar")
router.register(r"claims/(?P<claim_pk>[0-9]+)/merge", finding.ClaimMergeViewSet, basename="api-merge")
router.register("claimreview", views.ClaimReviewFeedViewSet, basename="api-claimreview")
router.register("factchecks", finding.FactCheckViewSet, basename="api-factcheck")
router.register("match", finding.MatchViewSet, basename="api-match")
router.register("feeds", inbox.FeedViewSet, basename="api-feed")
router.register("notifications", inbox.NotificationViewSet, basename="api-notification")
router.register("webhooks", inbox.WebhookViewSet, basename="api-webhook")
router.register("sources", views.SourceViewSet, basename="api-source")
router.register("ratings", views.RatingViewSet, basename="api-rating")
router.register("tags", views.TagViewSet, basename="api-tag")
router.register(
    r"articles/(?P<article_pk>[0-9]+)/suggestions", reading.ArticleSuggestionViewSet, basename="api-suggestion"
)
router.register("checkworthiness", reading.CheckworthinessViewSet, basename="api-checkworthiness")

urlpatterns = [
    path("v1/auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^", views.not_found),
]
