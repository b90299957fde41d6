"""The name pickers' suggestions: claimants, articles or outlets whose name starts with what was typed."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tracker import pickers

from .common import desk_required


@desk_required
def pick(request: HttpRequest, kind: str) -> HttpResponse:
    """Up to ten suggestions: <option>s for the htmx datalist, JSON ({"results": [...]}) for anything else.

    The query is q, or the picker box's own name (kind_name), which is what htmx sends from the box.
    """
    if kind not in pickers.KINDS:
        raise Http404("No such picker.")
    query = request.GET.get("q", request.GET.get(f"{kind}_name", ""))[:500]
    results = pickers.search(kind, query)
    if request.htmx:
        return render(request, "tracker/_picker_options.html", {"results": results})
    return JsonResponse({"results": results})
