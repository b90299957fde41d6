"""Reading aids in the desk (DESIGN §7): suggestions in the reader, editing an article, re-attaching its quotes."""

from __future__ import annotations

import bisect
import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from tracker import articles, highlight, roles
from tracker.errors import DeskError
from tracker.forms import ArticleEditForm, QuotePlaceForm
from tracker.models import Appearance, Article
from tracker.reading import checkworthiness, quotes, suggestions

from .common import desk_required, refuse, refused, require

# The reader shows at most this many suggestions beside the text (all are marked in it).
LISTED_SUGGESTIONS = 12


def _not_logged(found, placed: list[tuple[int, int]]) -> list[tuple[int, suggestions.Suggestion]]:
    """Return (index among the check-worthy, sentence) for each check-worthy sentence no logged quote stands in.

    A quote (start, end) overlapping a sentence makes it no longer a suggestion. One sort and a binary search
    per sentence, so an article with hundreds of claims does not compare every quote with every sentence.
    """
    placed = sorted(placed)
    starts = [start for start, _ in placed]
    furthest = []  # furthest[k]: the largest end among the first k + 1 quotes by start
    reach = -1
    for _, end in placed:
        reach = max(reach, end)
        furthest.append(reach)
    result = []
    for index, sentence in enumerate(found.worthy()):
        before = bisect.bisect_left(starts, sentence.end)  # the quotes starting before the sentence ends
        if before and furthest[before - 1] > sentence.start:
            continue
        result.append((index, sentence))
    return result


def suggestion_context(article: Article, placed: list[tuple[int, int]] = ()) -> dict:
    """Return the reader's suggestions: the check-worthy sentences no quote standing in the text (placed) covers."""
    if not article.body:
        return {"suggestions": None}
    try:
        found = suggestions.for_article(article)
    except checkworthiness.ModelUnavailable:
        return {"suggestions": None, "suggestions_error": "Suggestions are unavailable: the model file is missing."}
    open_ = _not_logged(found, placed)
    listed = sorted((s for _, s in open_), key=lambda s: -s.score)[:LISTED_SUGGESTIONS]
    # Issue 7's matching ("possibly checked before") shows each suggestion's best match here:
    # set `match` on the listed items; templates/tracker/reading/_suggestion.html shows it.
    items = [{"suggestion": s, "number": n, "match": None} for n, s in enumerate(listed, start=1)]
    return {
        "suggestions": found,
        "suggestion_items": items,
        "suggestion_count": len(open_),
        "suggestions_open": open_,
    }


def suggestion_spans(open_: list[tuple[int, suggestions.Suggestion]]) -> list[highlight.Span]:
    """Highlights for the check-worthy sentences not already logged (suggestion_context's "suggestions_open")."""
    return [
        highlight.Span(
            key=-(index + 1),
            claim=0,
            start=s.start,
            end=s.end,
            url=f"?log={s.start}-{s.end}#log-claim",
            label="Suggested",
            title=f"Check-worthy sentence (score {s.score:.2f}): log it as a claim",
            css="sg",
            kind="suggestion",
        )
        for index, s in open_
    ]


def prefill_from_query(request: HttpRequest, article: Article) -> dict | None:
    """Return the log-claim form's initial quote and start for ?log=START-END (a suggestion's "Log claim")."""
    raw = request.GET.get("log", "")
    start_text, _, end_text = raw.partition("-")
    if not (start_text.isdigit() and end_text.isdigit() and len(start_text) <= 9 and len(end_text) <= 9):
        return None
    start, end = int(start_text), int(end_text)
    if not 0 <= start < end <= len(article.body):
        return None
    return {"quote": article.body[start:end], "start": start}


def attention_items(appearances: list[Appearance], user) -> list[dict]:
    """The quotes the desk should look at after an edit: orphaned, changed or placed without certainty.

    Each appearance carries claim_url, as reader_quotes sets it.
    """
    items = []
    for appearance in appearances:
        if not appearance.needs_attention or appearance.claim.in_trash:
            continue
        items.append(
            {
                "appearance": appearance,
                "form": QuotePlaceForm(
                    initial={"version": appearance.claim.version, "start": appearance.start, "end": appearance.end}
                ),
                "can_change": roles.can_edit_claim(user, appearance.claim),
            }
        )
    return items


# --- editing an article --------------------------------------------------------------


def _body_diff(then: str, now: str, limit: int = 40) -> list[dict]:
    """Lines someone else changed in the text, for the stale-form page."""
    rows = []
    for line in difflib.unified_diff(then.split("\n"), now.split("\n"), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        rows.append({"removed": line.startswith("-"), "text": line[1:]})
        if len(rows) >= limit:
            break
    return rows


def stale_rows(current: Article, seen_version: int, mine: dict) -> tuple[list[dict], list[dict]]:
    """Return (fields someone else changed since seen_version, their changes to the text line by line)."""
    record = current.history.filter(version=seen_version).order_by("-history_date", "-history_id").first()
    rows = []
    body_rows: list[dict] = []
    labels = {"title": "Title", "url": "URL", "language": "Language", "body": "Text"}
    for name in ArticleEditForm.FIELDS:
        now = getattr(current, name) or ""
        then = (getattr(record, name) or "") if record is not None else None
        if then is not None and then == now:
            continue
        yours = mine.get(name) or ""
        if name == "body":
            body_rows = _body_diff(then or "", now) if then is not None else []
            rows.append(
                {
                    "field": labels[name],
                    "then": None,
                    "now": f"{len(now)} characters",
                    "yours": "your text below" if yours != (then or now) else None,
                    "clash": yours not in (then, now),
                }
            )
            continue
        rows.append(
            {
                "field": labels[name],
                "then": then,
                "now": now,
                "yours": yours if yours != then else None,
                "clash": yours not in (then, now),
            }
        )
    return rows, body_rows


def _outcome_message(article: Article) -> str:
    outcomes = getattr(article, "quote_outcomes", [])
    if not outcomes:
        return format_html("Saved “{}”.", article.title)
    listed = format_html_join(
        "",
        "<li>#{}: {} — {}</li>",
        ((o.appearance.claim_id, o.label, o.reason) for o in outcomes),
    )
    return format_html("Saved “{}”; {}:<ul>{}</ul>", article.title, articles.describe_outcomes(outcomes), listed)


@desk_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an article's text: preview what becomes of each quote, then save; a stale form shows what changed."""
    article = get_object_or_404(Article.objects.select_related("outlet"), pk=pk)
    refusal = articles.edit_refusal(article, request.user)
    if refusal:
        raise PermissionDenied(refusal)
    context = {"article": article, "conflict": None, "body_rows": [], "outcomes": None}
    if request.method != "POST":
        form = ArticleEditForm(initial=ArticleEditForm.initial_for(article))
        return render(request, "tracker/reading/edit.html", {**context, "form": form})
    form = ArticleEditForm(request.POST)
    if not form.is_valid():
        return render(request, "tracker/reading/edit.html", {**context, "form": form}, status=400)
    changes = form.changes()
    seen = form.cleaned_data["version"]
    if seen != article.version:
        return _stale(request, article, seen, changes, form)
    if "preview" in request.POST:
        outcomes = quotes.preview(article, changes["body"]) if changes["body"] != article.body else []
        context.update(outcomes=outcomes, previewed=True, body_changed=changes["body"] != article.body)
        return render(request, "tracker/reading/edit.html", {**context, "form": form})
    try:
        saved = articles.edit_article(article, by=request.user, expected_version=seen, **changes)
    except articles.StaleArticle as exc:
        return _stale(request, exc.current, seen, changes, form)
    except (DeskError, ValidationError) as exc:
        status = refuse(form, exc)
        return render(request, "tracker/reading/edit.html", {**context, "form": form}, status=status)
    messages.success(request, _outcome_message(saved))
    return redirect(saved)


def _stale(request: HttpRequest, current: Article, seen: int, changes: dict, form: ArticleEditForm) -> HttpResponse:
    """Someone saved the article since this form was opened: show their change, keep this editor's input."""
    rows, body_rows = stale_rows(current, seen, changes)
    data = request.POST.copy()
    data["version"] = str(current.version)
    fresh = ArticleEditForm(data)
    fresh.is_valid()
    outcomes = quotes.preview(current, changes["body"]) if changes["body"] != current.body else []
    context = {
        "article": current,
        "form": fresh,
        "conflict": rows,
        "body_rows": body_rows,
        "conflict_version": current.version,
        "outcomes": outcomes,
        "previewed": True,
        "body_changed": changes["body"] != current.body,
    }
    return render(request, "tracker/reading/edit.html", context, status=412)


# --- re-attaching and confirming quotes ---------------------------------------------------


def _appearance_for(request: HttpRequest, pk: int) -> Appearance:
    appearance = get_object_or_404(
        Appearance.objects.select_related("claim", "article").filter(claim__deleted_at__isnull=True), pk=pk
    )
    require(roles.can_edit_claim(request.user, appearance.claim), "You may not change this claim's quotes.")
    return appearance


def _back_to_reader(appearance: Appearance) -> HttpResponse:
    return redirect(reverse("article-detail", args=[appearance.article_id]) + f"#quote-{appearance.pk}")


@desk_required
def appearance_reattach(request: HttpRequest, pk: int) -> HttpResponse:
    """Anchor an orphaned or changed quote to the text selected in the reader."""
    appearance = _appearance_for(request, pk)
    if request.method != "POST":
        return _back_to_reader(appearance)
    form = QuotePlaceForm(request.POST)
    if not form.is_valid() or form.cleaned_data["start"] is None or form.cleaned_data["end"] is None:
        messages.error(request, "Select the quote's words in the text first, then re-attach.")
        return _back_to_reader(appearance)
    try:
        placed = quotes.reattach(
            appearance,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            by=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except (DeskError, ValidationError) as exc:
        refused(request, exc, "The quote was not re-attached")
        return _back_to_reader(appearance)
    messages.success(request, format_html("Claim #{}'s quote is now “{}”.", placed.claim_id, placed.quote))
    return _back_to_reader(placed)


@desk_required
def appearance_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept where re-anchoring placed a quote (with its new words, for a changed one)."""
    appearance = _appearance_for(request, pk)
    if request.method != "POST":
        return _back_to_reader(appearance)
    form = QuotePlaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "This form is out of date; reload the page.")
        return _back_to_reader(appearance)
    try:
        placed = quotes.confirm(appearance, by=request.user, expected_version=form.cleaned_data["version"])
    except (DeskError, ValidationError) as exc:
        refused(request, exc, "The quote was not confirmed")
        return _back_to_reader(appearance)
    messages.success(request, format_html("Confirmed claim #{}'s quote “{}”.", placed.claim_id, placed.quote))
    return _back_to_reader(placed)
