"""Claimants: a page per claimant with their claims, where the desk corrects the name, kind and description."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html

from tracker import claimants
from tracker.errors import DeskError
from tracker.forms import ClaimantForm
from tracker.models import Claim, Claimant

from .common import desk_required, paginate, querystring_without, refuse


def _page(request: HttpRequest, claimant: Claimant, form: ClaimantForm, status: int = 200, **extra) -> HttpResponse:
    claims = (
        Claim.objects.filter(claimant=claimant)
        .select_related("rating", "assignee")
        .prefetch_related("tags")
        .order_by("-updated_at", "-id")
    )
    context = {
        "claimant": claimant,
        "form": form,
        "page": paginate(request, claims),
        "qs": querystring_without(request, "page"),
        "can_edit": request.user.has_perm("tracker.change_claimant"),
        **extra,
    }
    return render(request, "tracker/claimants/detail.html", context, status=status)


def _initial(claimant: Claimant) -> dict:
    return {
        "revision": claimants.revision(claimant),
        "name": claimant.name,
        "kind": claimant.kind,
        "description": claimant.description,
    }


@desk_required
def claimant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a claimant and their claims; POST saves an edit (editors and up), refusing a stale one."""
    claimant = get_object_or_404(Claimant, pk=pk)
    if request.method != "POST":
        return _page(request, claimant, ClaimantForm(initial=_initial(claimant)))
    form = ClaimantForm(request.POST)
    if not form.is_valid():
        return _page(request, claimant, form, status=400)
    data = form.cleaned_data
    changes = {"name": data["name"], "kind": data["kind"], "description": data["description"]}
    try:
        saved = claimants.edit(claimant, changes, by=request.user, seen_revision=data["revision"])
    except claimants.StaleClaimant as exc:
        # Keep what this editor typed, on top of the current revision, and say what is stored now.
        posted = request.POST.copy()
        posted["revision"] = str(claimants.revision(exc.current))
        fresh = ClaimantForm(posted)
        fresh.is_valid()
        return _page(request, exc.current, fresh, status=412, error=str(exc), stored=exc.current)
    except (DeskError, ValidationError) as exc:
        return _page(request, claimant, form, status=refuse(form, exc))
    messages.success(request, format_html("Saved {} ({}).", saved.name, saved.get_kind_display().lower()))
    return redirect("claimant-detail", pk=saved.pk)
