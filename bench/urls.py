"""The desk's URLs plus the plain baseline view ``make bench`` serves beside the API under gunicorn."""

from django.http import JsonResponse
from django.urls import include, path

from tracker.models import Claim

PLAIN_FIELDS = (
    "id",
    "text",
    "claimant_id",
    "claim_date",
    "status",
    "rating__slug",
    "verdict_summary",
    "verdict_explanation",
    "assignee__username",
    "priority",
    "version",
    "created_by__username",
    "created_at",
    "updated_at",
    "published_at",
)


def plain_claims(request):
    """The same 50 claims as GET claims/?page_size=50, as .values() and a JsonResponse: the floor of any list."""
    rows = list(Claim.objects.order_by("-created_at", "-id").values(*PLAIN_FIELDS)[:50])
    return JsonResponse({"results": rows})


urlpatterns = [
    path("bench/plain/", plain_claims),
    path("", include("tracker.urls")),
]
