"""The desk's start page: counts per status, my assignments, what waits for my review, recent changes."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tracker import roles
from tracker.models import Claim, StatusCount, VerificationEvent

from . import public
from .common import desk_required

OPEN_STATUSES = [Claim.Status.NEW, Claim.Status.RESEARCHING, Claim.Status.IN_REVIEW]


def home(request: HttpRequest) -> HttpResponse:
    """Serve the dashboard to desk members and the public fact-check index to everyone else."""
    if roles.is_staff_member(request.user):
        return dashboard(request)
    return public.index(request)


def claim_rows(queryset):
    return queryset.select_related("claimant", "rating", "assignee")


@desk_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    # Counters the domain keeps in step with every change: exact, and one
    # small read however many claims the desk holds.
    counts = StatusCount.objects.totals()
    statuses = [(value, label, counts.get(value, 0)) for value, label in Claim.Status.choices]
    mine = claim_rows(Claim.objects.filter(assignee=user, status__in=OPEN_STATUSES)).order_by("-updated_at")[:15]
    waiting = []
    if roles.can_review(user):
        sender = (
            VerificationEvent.objects.filter(claim=OuterRef("pk"), to_status=Claim.Status.IN_REVIEW)
            .order_by("-at", "-id")
            .values("actor_id")[:1]
        )
        waiting = (
            claim_rows(Claim.objects.awaiting_review())
            .annotate(sent_by=Subquery(sender))
            .exclude(sent_by=user.pk)
            .order_by("updated_at")[:15]
        )
    recent = claim_rows(Claim.objects.order_by("-updated_at", "-id"))[:15]
    context = {
        "statuses": statuses,
        "total": sum(counts.values()),
        "mine": mine,
        "waiting": waiting,
        "recent": recent,
        "is_reviewer": roles.can_review(user),
    }
    return render(request, "tracker/dashboard.html", context)
