"""The desk's URLs plus the plain baseline view ``make bench`` serves beside the API under gunicorn."""

from django.http import JsonResponse
from django.urls import include, path

from tracker.api.serializers import CLAIM_ROW_FIELDS
from tracker.models import Claim

# The columns of the API's list without its parts (tags, appearances): the same rows, as .values() gives them.
PLAIN_FIELDS = CLAIM_ROW_FIELDS


def plain_claims(request):
    """The same 50 claims as GET claims/?page_size=50, as .values() and a JsonResponse: the floor of any list."""
    rows = list(Claim.objects.order_by("-created_at", "-id").values(*PLAIN_FIELDS)[:50])
    return JsonResponse({"results": rows})


urlpatterns = [
    path("bench/plain/", plain_claims),
    path("", include("tracker.urls")),
]
