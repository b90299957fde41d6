"""Articles: the list with search, the import page and the reader where claims are logged."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length

from tracker import articles, claimants, claims, highlight, roles
from tracker.errors import DeskError
from tracker.forms import ArticleImportForm, ArticleSearchForm, LogClaimForm
from tracker.importing import DecodedText, decode_text_file, parse_text_document
from tracker.inbox.forms import ImportUrlForm
from tracker.models import Appearance, Article, Claim, Claimant
from tracker.reading import anchoring
from tracker.references import outlet_named
from tracker.uploads import skipped_uploads

from . import reading
from .common import desk_required, paginate, querystring_without, refuse, require


@desk_required
def article_list(request: HttpRequest) -> HttpResponse:
    """List articles, newest first, searchable by title, outlet and URL."""
    form = ArticleSearchForm(request.GET)
    queryset = Article.objects.select_related("outlet").defer("body")
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        queryset = queryset.filter(
            Q(title__icontains=query) | Q(outlet__name__icontains=query) | Q(url__icontains=query)
        )
    page = paginate(request, queryset.order_by("-created_at", "-id"))
    # Counted for the page's rows only, once they are known: an annotation on the
    # list would count the claims of every article before the page is cut.
    counts = dict(
        Appearance.objects.filter(article__in=[a.pk for a in page], claim__deleted_at__isnull=True)
        .order_by()
        .values_list("article")
        .annotate(n=Count("claim", distinct=True))
    )
    for article in page:
        article.claim_count = counts.get(article.pk, 0)
    context = {"form": form, "page": page, "query": query, "qs": querystring_without(request, "page")}
    template = "tracker/articles/_results.html" if request.htmx else "tracker/articles/list.html"
    return render(request, template, context)


def _read_upload(upload, encoding: str = "") -> tuple[dict, DecodedText]:
    """Return ({"title", "body"}, how the file was decoded) for an uploaded .txt file (the first line is the title)."""
    decoded = decode_text_file(upload.read(), name=upload.name, encoding=encoding)
    return parse_text_document(decoded.text, name=upload.name), decoded


@desk_required
def article_import(request: HttpRequest) -> HttpResponse:
    """Import one article from pasted text or an uploaded .txt file; a duplicate links to the stored one."""
    require(request.user.has_perm("tracker.add_article"), "Your role cannot import articles.")
    form = ArticleImportForm(
        request.POST or None, request.FILES or None, file_too_large="file" in skipped_uploads(request)
    )
    duplicate = None
    status = 200
    if request.method == "POST" and form.is_valid():
        typed = form.article_fields()
        outlet_name = form.cleaned_data["outlet"]
        try:
            # One transaction: a refused import leaves no new outlet behind.
            with transaction.atomic():
                fields = {}
                decoded = None
                if form.cleaned_data.get("file"):
                    fields, decoded = _read_upload(form.cleaned_data["file"], form.cleaned_data["encoding"])
                # What the user typed wins over what the file says.
                fields.update(typed)
                if outlet_name:
                    fields["outlet"] = outlet_named(outlet_name, by=request.user)
                elif isinstance(fields.get("outlet"), str):
                    fields["outlet"] = outlet_named(fields["outlet"], by=request.user)
                if not fields.get("title"):
                    raise ValidationError({"title": "Give the article a title."})
                article, created = articles.import_or_update(by=request.user, **fields)
        except (DeskError, ValidationError) as exc:
            if isinstance(exc, articles.DuplicateArticle):
                duplicate = exc.existing
            status = refuse(form, exc)
        else:
            if decoded is not None and decoded.encoding != "utf-8":
                how = "detected" if decoded.detected else "as you chose"
                messages.info(
                    request,
                    format_html(
                        "The file was read as {} ({}). If letters look wrong, edit the text or import the file "
                        "again choosing its encoding.",
                        decoded.label,
                        how,
                    ),
                )
            if created:
                messages.success(request, format_html("Imported “{}”.", article.title))
            else:
                outcomes = getattr(article, "quote_outcomes", [])
                messages.success(
                    request,
                    format_html(
                        "Updated “{}”: it was stored under that URL with other text. The new text replaces it; {}.",
                        article.title,
                        articles.describe_outcomes(outcomes),
                    ),
                )
            return redirect(article)
    elif request.method == "POST":
        status = 400
    context = {"form": form, "duplicate": duplicate, "url_form": ImportUrlForm()}
    return render(request, "tracker/articles/import.html", context, status=status)


def truncated(text: str, length: int) -> str:
    """What the truncatechars filter makes of text, without its walk over every character when text is short."""
    if len(text) <= length:
        return unicodedata.normalize("NFC", text)  # the filter's answer for text that fits
    if text.isascii() and length > 0:
        # No combining characters, so every character counts: the filter's cut without its walk.
        return add_truncation_text(text[: calculate_truncate_chars_length(length, None)])
    return Truncator(text).chars(length)


def pk_url(name: str):
    """Return pk → the URL of route name for that pk, reversed once: the reader makes hundreds of them."""
    sentinel = 918273645
    head, tail = reverse(name, args=[sentinel]).rsplit(str(sentinel), 1)
    return lambda pk: f"{head}{pk}{tail}"


STATUS_LABELS = dict(Claim.Status.choices)
ANCHOR_STATE_LABELS = {state: label.lower() for state, label in Appearance.AnchorState.choices}
ORPHANED = Appearance.AnchorState.ORPHANED


@dataclass
class ReaderQuotes:
    """What the reader shows of the quotes of live claims in an article, made in one pass over them."""

    spans: list[highlight.Span]  # the highlights of the quotes standing in the text
    listed: list[highlight.Listed]  # the list beside the text, one line per quote
    placed: list[tuple[int, int]]  # (start, end) of the quotes standing in the text
    to_check: list[Appearance]  # the quotes the desk should look at (orphaned or unconfirmed)


def reader_quotes(article: Article) -> ReaderQuotes:
    """Return the highlights, the list lines and the quotes to check of every appearance of a live claim in article.

    Plain rows of only the columns shown, not model instances: a claim's search document, snapshot and
    explanation, and the article body each quote would repeat, stay in the database.
    """
    rows = (
        Appearance.objects.filter(article=article, claim__deleted_at__isnull=True)
        .order_by("start", "id")
        .values_list(
            "id",
            "claim_id",
            "quote",
            "start",
            "end",
            "anchor_state",
            "needs_confirmation",
            "claim__text",
            "claim__status",
            "claim__rating__label",
            "claim__claimant_id",
            "claim__claimant__name",
        )
    )
    claim_url = pk_url("claim-detail")
    quotes = ReaderQuotes(spans=[], listed=[], placed=[], to_check=[])
    any_to_check = False
    listed = set()
    for pk, claim_id, quote, start, end, state, unsure, text, status, rating, claimant_id, claimant in rows:
        # The list beside the text links a claim as #claim-N (its first quote here); its other quotes get their own id.
        anchor = f"claim-{claim_id}" if claim_id not in listed else f"claim-{claim_id}-{pk}"
        listed.add(claim_id)
        url = claim_url(claim_id)
        status_label = STATUS_LABELS[status]
        quotes.listed.append(
            highlight.Listed(
                anchor=anchor,
                claim=claim_id,
                url=url,
                text=truncated(text, 120),
                status=status,
                status_label=status_label,
                rating_label=rating or "",
                claimant=claimant if claimant_id is not None else None,
                anchor_state=state,
                anchor_state_label=ANCHOR_STATE_LABELS[state],
                needs_confirmation=unsure,
                quote=truncated(quote, 200),
            )
        )
        any_to_check = any_to_check or state == ORPHANED or unsure
        if state == ORPHANED:
            continue  # its words are gone from the text: listed beside it, not highlighted
        quotes.placed.append((start, end))
        verdict = f" · {rating}" if rating is not None else ""
        quotes.spans.append(
            highlight.Span(
                key=pk,
                claim=claim_id,
                start=start,
                end=end,
                url=url,
                label=f"#{claim_id}",
                title=f"{status_label}{verdict}: {Claim.shortened(text)}",
                css=f"st-{status}",
            )
        )
    if any_to_check:
        # Each needs its claim for the forms and permissions: one query for all of them, however many.
        quotes.to_check = list(
            Appearance.objects.filter(article=article, claim__deleted_at__isnull=True)
            .filter(Q(anchor_state=ORPHANED) | Q(needs_confirmation=True))
            .select_related("claim")
            .defer("claim__search_document", "claim__public_snapshot")
            .order_by("start", "id")
        )
        for appearance in quotes.to_check:
            appearance.article = article
            appearance.claim_url = claim_url(appearance.claim_id)
    return quotes


@desk_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The reader: the article's text with every logged claim highlighted, and the form to log one."""
    article = get_object_or_404(Article.objects.select_related("outlet", "translation_of", "republished_from"), pk=pk)
    draft = request.session.pop(DRAFT_KEY, None)
    if draft and draft.get("article") == article.pk:
        form, occurrences = _draft_form(article, draft)
        return _reader(request, article, form, occurrences=occurrences)
    # A suggestion's "Log claim" link (?log=START-END) fills the form in, with or without JavaScript.
    form = LogClaimForm(initial=reading.prefill_from_query(request, article))
    return _reader(request, article, form)


# A refused "Log claim" form is kept in the session across the redirect back to the reader.
DRAFT_KEY = "log-claim-draft"
MAX_OCCURRENCES = 50


def _draft_form(article: Article, draft: dict) -> tuple[LogClaimForm, list[dict] | None]:
    """Rebuild a refused form with the input and the refusals, and the places of an ambiguous quote."""
    form = LogClaimForm(draft["data"])
    form.is_valid()  # the form's own checks again, so its messages are back
    for field, message in draft.get("errors", []):
        form.add_error(field, message)
    occurrences = None
    if draft.get("ambiguous"):
        try:
            quote = anchoring.normalise_text(draft["data"].get("quote", ""))
        except anchoring.InvalidText:
            quote = ""
        if quote:
            occurrences = [
                {"start": start, "context": anchoring.shown_context(article.body, start, start + len(quote), 50)}
                for start in anchoring.occurrences(article.body, quote)[:MAX_OCCURRENCES]
            ]
    return form, occurrences


def _refused(request: HttpRequest, article: Article, errors: list, *, ambiguous: bool = False) -> HttpResponse:
    """Send the reader back to the article (its own address, reloadable) with the input and what was wrong."""
    data = {name: value for name, value in request.POST.items() if name != "csrfmiddlewaretoken"}
    request.session[DRAFT_KEY] = {"article": article.pk, "data": data, "errors": errors, "ambiguous": ambiguous}
    response = redirect(reverse("article-detail", args=[article.pk]) + "#log-claim")
    response.status_code = 303
    return response


def _reader(
    request: HttpRequest, article: Article, form: LogClaimForm, status: int = 200, occurrences: list | None = None
) -> HttpResponse:
    quotes = reader_quotes(article)
    aids = reading.suggestion_context(article, quotes.placed)
    spans = quotes.spans + reading.suggestion_spans(aids.get("suggestions_open", []))
    context = {
        "article": article,
        "body_html": highlight.render(article.body, spans),
        "claim_list": highlight.claim_list(quotes.listed),
        "claim_count": len(quotes.listed),
        "attention": reading.attention_items(quotes.to_check, request.user),
        "form": form,
        "can_log": roles.can_log(request.user),
        "can_edit_article": roles.can_edit_article(request.user, article),
        "claimants": Claimant.objects.order_by("name").values_list("name", flat=True)[:500],
        "occurrences": occurrences,
        **aids,
    }
    return render(request, "tracker/articles/reader.html", context, status=status)


@desk_required
def log_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a claim quoted in this article (POST from the reader)."""
    article = get_object_or_404(Article.objects.select_related("outlet"), pk=pk)
    if request.method != "POST":
        return redirect(article)
    require(roles.can_log(request.user), "Your role cannot log claims.")
    form = LogClaimForm(request.POST)
    if not form.is_valid():
        return _refused(request, article, [])
    data = form.cleaned_data
    try:
        # One transaction: a refused claim leaves no new claimant behind.
        with transaction.atomic():
            claimant = claimants.find_or_create(
                data["claimant"], data["claimant_description"], data["claimant_kind"], by=request.user
            )
            claim = claims.log_claim(
                claims.ClaimInput(
                    text=data["text"],
                    claimant=claimant,
                    tags=[t for t in data["tags"].split(",") if t.strip()],
                    priority=data["priority"],
                    appearances=[
                        claims.AppearanceInput(
                            article=article, quote=data["quote"], start=data["start"], attribution=data["attribution"]
                        )
                    ],
                ),
                by=request.user,
            )
    except (DeskError, ValidationError) as exc:
        if isinstance(exc, claims.AppearanceError) and exc.starts:
            message = f"“{data['quote']}” occurs {len(exc.starts)} times in the article: choose which one below."
            return _refused(request, article, [("quote", message)], ambiguous=True)
        if isinstance(exc, ValidationError):
            return _refused(request, article, [(None, message) for message in exc.messages])
        # The hidden start has no place to show an error; its refusal goes above the form.
        field = exc.field if exc.field in LogClaimForm.base_fields and exc.field != "start" else None
        return _refused(request, article, [(field, str(exc))])
    messages.success(
        request, format_html('Logged claim <a href="{}">#{}</a>: {}', claim.get_absolute_url(), claim.pk, claim)
    )
    return redirect(reverse("article-detail", args=[article.pk]) + f"#claim-{claim.pk}")
