"""Finding in the desk UI (DESIGN §6): "Possibly checked before", merging, fact-checks as evidence, the archive."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from tracker import roles
from tracker.errors import DeskError
from tracker.finding import factchecks, matching, merge
from tracker.finding.models import FactCheck
from tracker.models import Claim, Evidence
from tracker.pagination import get_page, parse_page_number

from .common import desk_required, refusal_status, refused, require

PANEL_LIMIT = 5
MAX_TEXT = 5000


def _rows(found: list[matching.Match]) -> list[dict]:
    return [{"kind": m.kind, "object": m.object, "score": m.score, "percent": round(m.score * 100)} for m in found]


@desk_required
def match_panel(request: HttpRequest) -> HttpResponse:
    """The "Possibly checked before" panel of the log-claim form: matches of the quote and the claim's wording."""
    text = " ".join(request.GET.get(name, "")[:MAX_TEXT] for name in ("quote", "text")).replace("\x00", " ")
    found = matching.find(text, limit=PANEL_LIMIT) if text.strip() else []
    context = {"rows": _rows(found), "asked": bool(text.strip()), "claim": None}
    return render(request, "tracker/finding/_matches.html", context)


@desk_required
def similar_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The claim page's "Similar" panel: other claims (to merge) and fact-checks (to add as evidence)."""
    claim = get_object_or_404(Claim.all_objects, pk=pk)
    found = matching.find_similar(claim, limit=PANEL_LIMIT)
    context = {
        "rows": _rows(found),
        "asked": True,
        "claim": claim,
        "can_merge": roles.can_merge(request.user) and claim.is_editable and not claim.in_trash,
        "can_add_evidence": roles.can_log(request.user) and claim.is_editable and not claim.in_trash,
    }
    return render(request, "tracker/finding/_matches.html", context)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@desk_required
def claim_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this claim into the one chosen in its Similar panel (tracker.finding.merge)."""
    require(request.method == "POST", "Merge with the button on the claim page.")
    require(roles.can_merge(request.user), "Your role cannot merge claims.")
    claim = get_object_or_404(Claim.objects, pk=pk)
    raw = request.POST.get("into", "")
    target = Claim.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
    if target is None:
        messages.error(request, "The claim to merge into no longer exists (or is in the trash).")
        return redirect(claim.get_absolute_url())
    try:
        result = merge.merge_claims(claim, into=target, by=request.user, expected_version=_version(request))
    except (DeskError, ValidationError) as exc:
        refused(request, exc, f"Claim #{claim.pk} was not merged")
        return redirect(claim.get_absolute_url())
    messages.success(
        request,
        f"Claim #{claim.pk} was merged into this one ({result.appearances} appearance(s) and {result.evidence} "
        "piece(s) of evidence moved); it is in the trash.",
    )
    return redirect(target.get_absolute_url())


@desk_required
def factcheck_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a matching fact-check to the claim as evidence, in one click."""
    require(request.method == "POST", "Add evidence with the button on the claim page.")
    claim = get_object_or_404(Claim.objects, pk=pk)
    raw = request.POST.get("factcheck", "")
    factcheck = FactCheck.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
    if factcheck is None:
        messages.error(request, "That fact-check is no longer in the archive.")
        return redirect(claim.get_absolute_url())
    stance = request.POST.get("stance", Evidence.Stance.CONTEXT)
    if stance not in Evidence.Stance.values:
        stance = Evidence.Stance.CONTEXT
    try:
        factchecks.add_as_evidence(claim, factcheck, by=request.user, stance=stance)
    except (DeskError, ValidationError) as exc:
        refused(request, exc, f"“{factcheck}” was not added")
    else:
        messages.success(request, f"Added “{factcheck}” ({factcheck.publisher or 'fact-check'}) as evidence.")
    return redirect(claim.get_absolute_url() + "#evidence")


@desk_required
def archive(request: HttpRequest) -> HttpResponse:
    """The fact-check archive: search it, and import a ClaimReview or CSV file (editors and up)."""
    can_import = roles.can_import_factchecks(request.user)
    result = None
    status = 200
    if request.method == "POST":
        require(can_import, "Your role cannot import fact-checks.")
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "Choose a file to import.")
            status = 400
        else:
            try:
                content = upload.read().decode("utf-8-sig")
                result = factchecks.import_text(content, factchecks.kind_of(upload.name), by=request.user)
            except UnicodeDecodeError:
                messages.error(request, "The file is not UTF-8 text.")
                status = 400
            except (DeskError, ValidationError) as exc:
                refused(request, exc, upload.name)
                status = refusal_status(exc)
    query = request.GET.get("q", "")[:500].replace("\x00", " ").strip()
    number = parse_page_number(request.GET.get("page")) or 1
    if query:
        found = matching.find(query, limit=50, kinds=["factcheck"])
        rows = [m.object for m in found]
        page = get_page(rows, 1, 50)
    else:
        page = get_page(FactCheck.objects.order_by("-imported_at", "-id"), number, 25)
    context = {"page": page, "query": query, "can_import": can_import, "result": result}
    return render(request, "tracker/finding/archive.html", context, status=status)
