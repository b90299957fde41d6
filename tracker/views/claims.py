"""Claims: the queue, the claim page and every action on a claim.

Each action parses its form, asks tracker.roles, calls the domain
(tracker.claims, tracker.workflow) and turns a refusal into a message on the
re-rendered page with the status code the API would use.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from tracker import claimreview, claims, history, keyset, references, roles, workflow
from tracker.api.filters import search_claims
from tracker.bulk import actions as bulk_actions
from tracker.bulk import export
from tracker.errors import DeskError
from tracker.forms import (
    AppearanceForm,
    AssigneeForm,
    BulkForm,
    ClaimEditForm,
    ClaimFilterForm,
    EvidenceForm,
    TransitionForm,
    VersionedForm,
)
from tracker.models import Appearance, Article, Claim, Claimant, Evidence, Rating, Source

from .common import (
    PAGE_SIZE,
    desk_required,
    paginate,
    priority_rank,
    querystring_without,
    refusal_message,
    refusal_status,
    refuse,
    refused,
    require,
)

STATUS_LABELS = dict(Claim.Status.choices)
FIELD_LABELS = {
    "text": "Claim",
    "claimant": "Claimant",
    "claim_date": "Claim date",
    "rating": "Rating",
    "verdict_summary": "Verdict summary",
    "verdict_explanation": "Verdict explanation",
    "tags": "Tags",
    "priority": "Priority",
    "assignee": "Assignee",
}


# --- the queue ---------------------------------------------------------------


def filter_claims(queryset, data: dict, user):
    """Apply the queue's (the API's) filters from cleaned form data."""
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("rating"):
        queryset = queryset.filter(rating=data["rating"])
    if data.get("tag"):
        queryset = queryset.filter(tags__name__iexact=data["tag"].strip())
    if data.get("claimant"):
        queryset = queryset.filter(claimant_id=data["claimant"])
    if data.get("article"):
        queryset = queryset.filter(Exists(Appearance.objects.filter(claim=OuterRef("pk"), article_id=data["article"])))
    if data.get("outlet"):
        queryset = queryset.filter(
            Exists(Appearance.objects.filter(claim=OuterRef("pk"), article__outlet_id=data["outlet"]))
        )
    if data.get("priority"):
        queryset = queryset.filter(priority=data["priority"])
    assignee = (data.get("assignee") or "").strip()
    if assignee == "me":
        queryset = queryset.filter(assignee=user)
    elif assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif assignee:
        queryset = queryset.filter(assignee__username=assignee)
    # Bounds on the column itself, not on its date: created_at__date would cast
    # every row and leave the created_at index unused.
    # The calendar's first and last days bound nothing (and their neighbours do not exist).
    if data.get("created_after") and data["created_after"] > datetime.date.min:
        queryset = queryset.filter(created_at__gte=start_of_day(data["created_after"]))
    if data.get("created_before") and data["created_before"] < datetime.date.max:
        queryset = queryset.filter(created_at__lt=start_of_day(data["created_before"] + datetime.timedelta(days=1)))
    if data.get("search"):
        # The API's search, so the queue and claims/?search= find the same claims.
        queryset = search_claims(queryset, data["search"])
    return queryset


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Return the first moment of day in the desk's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@desk_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """The claim queue: filtered, sorted, paginated; the same few queries at any page size."""
    form = ClaimFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    queryset = filter_claims(Claim.objects.all(), data, request.user)
    sort = data.get("sort") or "-updated"
    queryset = (
        queryset.select_related("claimant", "rating", "assignee")
        .prefetch_related("tags")
        .annotate(priority_rank=priority_rank())
        .order_by(*ClaimFilterForm.SORTS[sort])
    )
    page = queue_page(request, queryset, ClaimFilterForm.SORTS[sort])
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        "sorts": ClaimFilterForm.SORT_LABELS,
        "qs": querystring_without(request, "page"),
        "qs_keyset": querystring_without(request, "page", "after", "before", "from"),
        "keep": [(k, v) for k, vs in request.GET.lists() if k not in KEYSET_PARAMS for v in vs],
        "jump_to_date": ClaimFilterForm.SORTS[sort][0].lstrip("-") in DATE_SORT_FIELDS,
        "qs_nosort": querystring_without(request, "page", "sort"),
        "qs_export": querystring_without(request, "page", "sort", "after", "before", "from"),
        "bulk_form": BulkForm(),
        "more_filters": any(
            request.GET.get(name)
            for name in (
                "tag",
                "assignee",
                "priority",
                "claimant",
                "claimant_name",
                "article",
                "article_name",
                "outlet",
                "outlet_name",
                "created_after",
                "created_before",
            )
        ),
    }
    template = "tracker/claims/_results.html" if request.htmx else "tracker/claims/list.html"
    return render(request, template, context, status=200 if form.is_valid() else 400)


@desk_required
def claim_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the claims ticked in the queue, each through the domain; say what was done and refused."""
    _post_only(request)
    back = request.POST.get("next") or ""
    if not back.startswith("/claims/") or not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = reverse("claim-list")
    form = BulkForm(request.POST)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, "No bulk action was taken: " + " ".join(problems))
        return redirect(back)
    action = form.cleaned_data["action"]
    result = bulk_actions.apply(
        action,
        form.cleaned_data["selection"],
        by=request.user,
        value=form.value(),
        note=form.cleaned_data["note"],
    )
    label = bulk_actions.ACTIONS[action].lower()
    if result.done:
        done = format_html_join(
            ", ",
            '<a href="{}">#{}</a>',
            ((reverse("claim-detail", args=[o.claim_id]), o.claim_id) for o in result.done),
        )
        messages.success(
            request,
            format_html("{} — done for {} claim(s): {}.", bulk_actions.ACTIONS[action], len(result.done), done),
        )
    if result.refused:
        refused = format_html_join(
            "",
            '<li><a href="{}">#{}</a>: {}</li>',
            ((reverse("claim-detail", args=[o.claim_id]), o.claim_id, o.reason) for o in result.refused),
        )
        messages.error(
            request, format_html("Not done ({}) for {} claim(s):<ul>{}</ul>", label, len(result.refused), refused)
        )
    return redirect(back)


@desk_required
def claim_export(request: HttpRequest) -> HttpResponse:
    """The queue's current filters as a CSV download of every matching claim (DESIGN §9), streamed."""
    form = ClaimFilterForm(request.GET)
    if not form.is_valid():
        return claim_list(request)  # the queue page with the filter's error
    queryset = filter_claims(Claim.objects.all(), form.cleaned_data, request.user)
    return export.csv_response(queryset.order_by("-created_at", "-id"), public=False)


KEYSET_PARAMS = {"page", "after", "before", "from"}
DATE_SORT_FIELDS = {"updated_at", "created_at"}


def queue_page(request: HttpRequest, queryset, ordering):
    """The queue's page: by keyset (previous / next, jump to a date), or by number for links made before it.

    Deep page numbers make the database walk every row before the page
    (OFFSET); keyset pages start at the edge of the last one (tracker.keyset).
    """
    if request.GET.get("page"):
        return paginate(request, queryset)
    start = None
    day = _parse_day(request.GET.get("from"))
    field = ordering[0].lstrip("-")
    if day is not None and field in DATE_SORT_FIELDS:
        if ordering[0].startswith("-"):  # newest first: from the end of that day down
            start = Q(**{f"{field}__lt": start_of_day(day + datetime.timedelta(days=1))})
        else:
            start = Q(**{f"{field}__gte": start_of_day(day)})
    return keyset.get_page(
        queryset,
        ordering,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        start=start,
        per_page=PAGE_SIZE,
    )


def _parse_day(raw) -> datetime.date | None:
    if not raw or len(raw) > 10:
        return None
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if datetime.date.min < day < datetime.date.max else None


# --- the claim page ---------------------------------------------------------------


def get_claim_for(request: HttpRequest, pk: int) -> Claim:
    """Return the claim for a desk member (trashed ones only for those who may restore them)."""
    manager = Claim.all_objects if roles.can_trash(request.user) else Claim.objects
    return get_object_or_404(
        manager.select_related("claimant", "rating", "assignee", "created_by", "deleted_by"), pk=pk
    )


def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the claim page to the desk; the public gets the fact-check or a 404, never a hint of a draft."""
    if not roles.is_staff_member(request.user):
        claim = Claim.objects.public().filter(pk=pk).first()
        if claim is None:
            raise Http404("No such claim.")
        return redirect(claim.get_public_url())
    return render_claim(request, get_claim_for(request, pk))


def render_claim(request: HttpRequest, claim: Claim, status: int = 200, **overrides) -> HttpResponse:
    user = request.user
    appearances = list(claim.appearances.select_related("article__outlet").order_by("id"))
    evidence = list(claim.evidence.select_related("source", "added_by"))
    transitions = [
        {
            "to": to,
            "label": action_label(claim.status, to),
            "reason": reason,
            "note_required": _note_required(claim, to),
        }
        for to, reason in workflow.available_transitions(claim, user)
    ]
    timeline = timeline_for_page(claim)
    context = {
        "claim": claim,
        "appearances": appearances,
        "evidence": evidence,
        "transitions": transitions,
        "claimreview_warnings": claimreview.warnings(claim),
        "timeline": timeline,
        "corrections": list(claim.corrections.select_related("previous_rating", "new_rating")),
        "can_edit": roles.can_edit_claim(user, claim) and not claim.in_trash,
        "can_log": roles.can_log(user) and not claim.in_trash,
        "can_trash": roles.can_trash(user),
        "edit_form": ClaimEditForm(claim=claim),
        "assignee_form": AssigneeForm(initial={"version": claim.version, "assignee": claim.assignee_id}),
        "transition_form": TransitionForm(initial={"version": claim.version}),
        "evidence_form": EvidenceForm(initial={"version": claim.version}),
        "appearance_form": AppearanceForm(),
        "field_labels": FIELD_LABELS,
        "status_labels": STATUS_LABELS,
    }
    context.update(overrides)
    if request.htmx and overrides.get("partial"):
        return render(request, overrides["partial"], context, status=status)
    return render(request, "tracker/claims/detail.html", context, status=status)


ACTION_LABELS = {
    (Claim.Status.NEW, Claim.Status.RESEARCHING): "Start research",
    (Claim.Status.IN_REVIEW, Claim.Status.RESEARCHING): "Send back to researching",
    (Claim.Status.PUBLISHED, Claim.Status.RESEARCHING): "Reopen for correction",
    (Claim.Status.DISMISSED, Claim.Status.NEW): "Restore to new",
}
TARGET_LABELS = {
    Claim.Status.IN_REVIEW: "Send to review",
    Claim.Status.PUBLISHED: "Publish",
    Claim.Status.DISMISSED: "Dismiss",
}


def action_label(status: str, to: str) -> str:
    return ACTION_LABELS.get((status, to)) or TARGET_LABELS.get(to) or f"Move to {STATUS_LABELS[to].lower()}"


def _timeline_names(entries) -> dict[str, dict]:
    """Return {field: {id: shown value}} for the objects the timeline names by id, a query per kind."""
    ids: dict[str, set] = {"claimant": set(), "article": set(), "source": set()}
    for entry in entries:
        for name, change in entry.changes.items():
            if name in ids:
                ids[name].update(change[side] for side in ("old", "new") if change[side] is not None)
    shown: dict[str, dict] = {name: {} for name in ids}
    if ids["claimant"]:
        shown["claimant"] = {c.pk: str(c) for c in Claimant.objects.filter(pk__in=ids["claimant"])}
    if ids["article"]:
        shown["article"] = {
            pk: format_html('<a href="{}">{}</a>', reverse("article-detail", args=[pk]), title)
            for pk, title in Article.objects.filter(pk__in=ids["article"]).values_list("pk", "title")
        }
    if ids["source"]:
        for source in Source.objects.filter(pk__in=ids["source"]).only("pk", "title", "publisher", "url"):
            shown["source"][source.pk] = (
                format_html('<a href="{}" rel="noopener noreferrer">{}</a>', source.url, str(source))
                if source.url
                else str(source)
            )
    return shown


def timeline_for_page(claim: Claim) -> list:
    """Return the claim's history newest first, with labels and values as people read them (names, not ids)."""
    entries = history.claim_timeline(claim)
    names = _timeline_names(entries)
    for entry in entries:
        entry.from_label = STATUS_LABELS.get(entry.from_status, "")
        entry.to_label = STATUS_LABELS.get(entry.to_status, "")
        shown = {}
        for name, change in entry.changes.items():
            pair = {}
            for side in ("old", "new"):
                value = change[side]
                if name in names and value is not None:
                    value = names[name].get(value, f"#{value} (deleted)")
                elif isinstance(value, list):
                    value = ", ".join(str(v) for v in value)
                pair[side] = value
            shown[name.replace("_", " ")] = pair
        entry.shown_changes = shown
    return list(reversed(entries))


def _note_required(claim: Claim, to: str) -> bool:
    rule = workflow.TRANSITIONS.get((claim.status, to))
    return bool(rule and rule.note_required)


def _stored_values(claim_or_record) -> dict:
    """Return the edit form's fields of a claim or of a history record, as comparable plain values."""
    values = {name: getattr(claim_or_record, name) for name in ("text", "claim_date", "priority")}
    values["verdict_summary"] = claim_or_record.verdict_summary
    values["verdict_explanation"] = claim_or_record.verdict_explanation
    for name in ("claimant", "rating", "assignee"):
        values[name] = getattr(claim_or_record, f"{name}_id")
    # A claim's tags are Tag rows; a history record's are rows pointing at one.
    values["tags"] = sorted({str(getattr(t, "tag", t)).lower() for t in claim_or_record.tags.all()})
    return values


def _submitted_values(changes: dict) -> dict:
    values = dict(changes)
    for name in ("claimant", "rating", "assignee"):
        if name in values:
            values[name] = values[name].pk if values[name] is not None else None
    if "tags" in values:
        values["tags"] = sorted({t.lower() for t in values["tags"]})
    return values


def _shown(name: str, value) -> str:
    """Show a stored value (ids included) as people read it."""
    if value in (None, "", []):
        return "—"
    if name == "claimant":
        return str(Claimant.objects.filter(pk=value).first() or f"#{value}")
    if name == "rating":
        return str(Rating.objects.filter(pk=value).first() or f"#{value}")
    if name == "assignee":
        return get_user_model().objects.filter(pk=value).values_list("username", flat=True).first() or f"#{value}"
    if name == "tags":
        return ", ".join(value)
    if name == "priority":
        return dict(Claim.Priority.choices).get(value, value)
    return str(value)


def merge_stale_edit(current: Claim, seen_version: int, changes: dict, posted) -> tuple[list[dict], object]:
    """Compare what the user opened, what is stored now and what they sent; return (rows, form data).

    Rows list the fields someone else changed meanwhile, flagged when the user changed them too.
    The returned form data keeps every field the user changed and takes the current value for the
    others, so saving it again applies the user's edits without undoing anyone else's.
    """
    record = current.history.filter(version=seen_version).order_by("-history_date", "-history_id").first()
    now = _stored_values(current)
    mine = _submitted_values(changes)
    then = _stored_values(record) if record is not None else None
    data = posted.copy()
    data["version"] = str(current.version)
    fresh = ClaimEditForm.initial_for(current)
    rows = []
    for name in ClaimEditForm.FIELDS:
        if name not in mine:  # a form with fewer fields (the assignee's) left this one alone
            mine[name] = then[name] if then is not None else now[name]
        touched = mine[name] != (then[name] if then is not None else now[name])
        if not touched:
            value = fresh[name]
            data[name] = "" if value is None else str(value)
        theirs = then is not None and then[name] != now[name]
        if theirs or (then is None and touched):
            rows.append(
                {
                    "field": FIELD_LABELS[name],
                    "then": _shown(name, then[name]) if then is not None else None,
                    "now": _shown(name, now[name]),
                    "yours": _shown(name, mine[name]) if touched else None,
                    "clash": touched and mine[name] != now[name],
                }
            )
    return rows, data


def _post_only(request: HttpRequest) -> None:
    if request.method != "POST":
        raise PermissionDenied("This address only accepts form submissions.")


@desk_required
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the claim's fields and verdict; a stale form shows what changed and keeps the input."""
    claim = get_claim_for(request, pk)
    if request.method != "POST":
        return redirect(claim)
    require(roles.can_edit_claim(request.user, claim), "You may not edit this claim.")
    form = ClaimEditForm(request.POST, claim=claim)
    if not form.is_valid():
        return render_claim(request, claim, status=400, edit_form=form, open_edit=True)
    seen = form.cleaned_data["version"]
    try:
        try:
            claims.edit_claim(claim, form.changes(), by=request.user, expected_version=seen)
        except workflow.StaleVersion as exc:
            rows, _ = merge_stale_edit(exc.current, seen, form.changes(), request.POST)
            if rows:
                raise
            # Only the claim's parts (evidence, appearances) changed meanwhile: none of its
            # fields, so this edit overwrites nothing anyone else did.
            claims.edit_claim(claim, form.changes(), by=request.user, expected_version=exc.current.version)
    except workflow.StaleVersion as exc:
        current = exc.current
        rows, data = merge_stale_edit(current, seen, form.changes(), request.POST)
        fresh = ClaimEditForm(data, claim=current)
        fresh.is_valid()
        return render_claim(
            request,
            current,
            status=412,
            edit_form=fresh,
            conflict=rows,
            conflict_version=current.version,
            open_edit=True,
        )
    except (DeskError, ValidationError) as exc:
        status = refuse(form, exc)
        return render_claim(request, claim, status=status, edit_form=form, open_edit=True)
    messages.success(request, "Saved.")
    return redirect(claim)


def render_refusal(request: HttpRequest, claim: Claim, exc: DeskError | ValidationError, outcome: str) -> HttpResponse:
    """The claim page answering a refused action that has no form to show: the refusal's status and message.

    A stale version shows the claim as it is now, as every stale answer does.
    """
    current = exc.current if isinstance(exc, workflow.StaleVersion) else claim
    message = f"{refusal_message(exc)} {outcome}"
    return render_claim(request, current, status=refusal_status(exc), error=message)


@desk_required
def claim_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the claim's assignee."""
    claim = get_claim_for(request, pk)
    _post_only(request)
    require(roles.can_edit_claim(request.user, claim), "You may not change this claim's assignee.")
    form = AssigneeForm(request.POST)
    if not form.is_valid():
        return render_claim(request, claim, status=400, assignee_form=form)
    try:
        claims.edit_claim(
            claim,
            {"assignee": form.cleaned_data["assignee"]},
            by=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except workflow.StaleVersion as exc:
        rows, _ = merge_stale_edit(
            exc.current, form.cleaned_data["version"], {"assignee": form.cleaned_data["assignee"]}, request.POST
        )
        return render_claim(
            request,
            exc.current,
            status=412,
            conflict=rows,
            conflict_version=exc.current.version,
            error="The claim changed since you opened it; the assignee was not changed. Check and try again.",
        )
    except (DeskError, ValidationError) as exc:
        status = refuse(form, exc)
        return render_claim(request, claim, status=status, assignee_form=form, error=refusal_message(exc))
    messages.success(request, "Assignee updated.")
    return redirect(claim)


@desk_required
def claim_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the claim through the workflow; every refusal is shown on the page."""
    claim = get_claim_for(request, pk)
    _post_only(request)
    require(
        roles.can_transition(request.user) or roles.can_review(request.user),
        "Your role cannot move claims through the workflow.",
    )
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return render_claim(request, claim, status=400, transition_form=form)
    to, note = form.cleaned_data["to"], form.cleaned_data["note"]
    try:
        moved = workflow.transition(
            claim, to=to, by=request.user, note=note, expected_version=form.cleaned_data["version"]
        )
    except workflow.StaleVersion as exc:
        data = request.POST.copy()
        data["version"] = str(exc.current.version)
        return render_claim(
            request,
            exc.current,
            status=412,
            transition_form=TransitionForm(data),
            error=f"{exc} Your note is kept below.",
        )
    except (DeskError, ValidationError) as exc:
        status = refuse(form, exc)
        return render_claim(request, claim, status=status, transition_form=form, error=refusal_message(exc))
    messages.success(request, f"Moved to {STATUS_LABELS[moved.status].lower()}.")
    if moved.status == Claim.Status.PUBLISHED:
        messages.info(
            request, format_html('Public page: <a href="{}">{}</a>', moved.get_public_url(), moved.get_public_url())
        )
    return redirect(moved)


@desk_required
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a source (found or created by its URL) to the claim as evidence."""
    claim = get_claim_for(request, pk)
    _post_only(request)
    require(roles.can_log(request.user), "Your role cannot add evidence.")
    form = EvidenceForm(request.POST)
    partial = "tracker/claims/_evidence.html"
    if not form.is_valid():
        return render_claim(request, claim, status=400, evidence_form=form, partial=partial)
    try:
        # One transaction: refused evidence leaves no new source behind.
        with transaction.atomic():
            source = form.cleaned_data["source"] or references.source_for(form.source_fields(), by=request.user)[0]
            claims.add_evidence(
                claim,
                source=source,
                stance=form.cleaned_data["stance"],
                excerpt=form.cleaned_data["excerpt"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
    except (DeskError, ValidationError) as exc:
        names = {"url": "source_url", "title": "source_title", "publisher": "source_publisher"}
        status = refuse(form, exc, fields=names)
        return render_claim(request, claim, status=status, evidence_form=form, partial=partial)
    claim.refresh_from_db()
    if claim.version != form.cleaned_data["version"]:
        messages.info(request, "The claim changed since you opened it; review the page before going on.")
    messages.success(request, format_html("Evidence added: {}.", source))
    if request.htmx:
        return render_claim(request, claim, partial=partial)
    return redirect(reverse("claim-detail", args=[claim.pk]) + "#evidence")


@desk_required
def evidence_remove(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    """Unlink one piece of evidence from the claim."""
    claim = get_claim_for(request, pk)
    _post_only(request)
    evidence = get_object_or_404(Evidence.objects.select_related("source"), pk=evidence_id, claim=claim)
    require(roles.can_edit_claim(request.user, claim), "You may not change this claim's evidence.")
    partial = "tracker/claims/_evidence.html"
    try:
        claims.remove_evidence(evidence, by=request.user)
    except (DeskError, ValidationError) as exc:
        message = refusal_message(exc)
        return render_claim(
            request, claim, status=refusal_status(exc), partial=partial, evidence_error=message, error=message
        )
    messages.success(request, format_html("Evidence removed: {}.", evidence.source))
    if request.htmx:
        return render_claim(request, claim, partial=partial)
    return redirect(reverse("claim-detail", args=[claim.pk]) + "#evidence")


@desk_required
def appearance_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the claim's appearance in another article."""
    claim = get_claim_for(request, pk)
    _post_only(request)
    require(roles.can_log(request.user), "Your role cannot add appearances.")
    form = AppearanceForm(request.POST)
    if not form.is_valid():
        return render_claim(request, claim, status=400, appearance_form=form, open_appearance=True)
    data = form.cleaned_data
    try:
        claims.add_appearance(
            claim,
            claims.AppearanceInput(
                article=data["article"], quote=data["quote"], start=data["start"], attribution=data["attribution"]
            ),
            by=request.user,
        )
    except (DeskError, ValidationError) as exc:
        status = refuse(form, exc)
        return render_claim(request, claim, status=status, appearance_form=form, open_appearance=True)
    messages.success(request, format_html("Appearance added in “{}”.", data["article"].title))
    return redirect(reverse("claim-detail", args=[claim.pk]) + "#appearances")


@desk_required
def claim_trash(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the claim to the trash (editors and reviewers)."""
    claim = get_claim_for(request, pk)
    _post_only(request)
    require(roles.can_trash(request.user), "Your role cannot move claims to the trash.")
    form = VersionedForm(request.POST)
    if not form.is_valid():
        return render_claim(
            request, claim, status=400, error="The form was incomplete; reload the page and try again."
        )
    try:
        workflow.trash(claim, by=request.user, expected_version=form.cleaned_data["version"])
    except (DeskError, ValidationError) as exc:
        return render_refusal(request, claim, exc, "It was not moved to the trash.")
    messages.success(
        request,
        format_html(
            'Claim #{} moved to the trash. It can be restored from the <a href="{}">trash</a>.',
            claim.pk,
            reverse("claim-trash-list"),
        ),
    )
    return redirect("claim-list")


@desk_required
def trash_list(request: HttpRequest) -> HttpResponse:
    """The claims in the trash, most recently trashed first, each with Restore (editors and up)."""
    require(roles.can_trash(request.user), "Your role cannot see or restore the trash.")
    queryset = (
        Claim.all_objects.trashed().select_related("claimant", "rating", "deleted_by").order_by("-deleted_at", "-id")
    )
    page = paginate(request, queryset)
    context = {"page": page, "qs": querystring_without(request, "page")}
    return render(request, "tracker/claims/trash.html", context)


@desk_required
def claim_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Bring the claim back from the trash (from its page or from the trash list)."""
    _post_only(request)
    require(roles.can_trash(request.user), "Your role cannot restore claims.")
    claim = get_claim_for(request, pk)
    from_trash = request.POST.get("next") == "trash"
    form = VersionedForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        workflow.restore(claim, by=request.user, expected_version=version)
    except (DeskError, ValidationError) as exc:
        if from_trash:
            refused(request, exc, f"Claim #{claim.pk}")
            return redirect("claim-trash-list")
        return render_refusal(request, claim, exc, "It was not restored.")
    messages.success(
        request, format_html('Claim <a href="{}">#{}</a> restored: {}', claim.get_absolute_url(), claim.pk, claim)
    )
    return redirect("claim-trash-list" if from_trash else claim)
