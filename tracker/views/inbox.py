"""Desk pages of the inbox (DESIGN §8): import from URL, feeds, a claim's comments, notifications."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from tracker import articles, roles
from tracker.errors import DeskError
from tracker.forms import ArticleImportForm
from tracker.inbox import comments, feeds, notifications, pages
from tracker.inbox.forms import CommentForm, FeedForm, ImportUrlForm, PreferenceForm
from tracker.inbox.models import Comment, Feed

from .claims import get_claim_for, render_claim
from .common import desk_required, paginate, refuse, require


@desk_required
@require_POST
def article_import_url(request: HttpRequest) -> HttpResponse:
    """Fetch an article from its address ("Import from URL" on the import page)."""
    require(request.user.has_perm("tracker.add_article"), "Your role cannot import articles.")
    form = ImportUrlForm(request.POST)
    duplicate, status = None, 400
    if form.is_valid():
        try:
            result = pages.import_url(form.cleaned_data["url"], by=request.user)
        except articles.DuplicateArticle as exc:
            # The address is what the reader typed; the duplicate is shown beside it.
            duplicate, status = exc.existing, refuse(form, exc, fields={None: "url"})
        except (DeskError, ValidationError) as exc:
            status = refuse(form, exc)
        else:
            verb = "Imported" if result.created else "Updated (the page changed since it was imported)"
            messages.success(request, format_html("{} “{}”.", verb, result.article.title))
            return redirect(result.article)
    context = {"form": ArticleImportForm(), "url_form": form, "duplicate": duplicate}
    return render(request, "tracker/articles/import.html", context, status=status)


@desk_required
def feed_list(request: HttpRequest) -> HttpResponse:
    """The feeds the worker reads, with when each was last read and its last error; editors add feeds here."""
    can_manage = roles.can_manage_feeds(request.user)
    form = FeedForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(can_manage, "Your role cannot add feeds.")
        if form.is_valid():
            try:
                url = feeds.check_feed_url(form.cleaned_data["url"])
            except (DeskError, ValidationError) as exc:
                refuse(form, exc)
            else:
                feed = form.save(commit=False)
                feed.url = url
                feed.created_by = request.user
                feed._history_user = request.user
                feed.save()
                feeds.queue_poll(feed)
                messages.success(request, format_html("Added “{}”; the worker reads it shortly.", feed))
                return redirect("feed-detail", pk=feed.pk)
        status = 400
    page = paginate(request, Feed.objects.select_related("outlet").order_by("title", "url", "id"))
    return render(
        request, "tracker/inbox/feeds.html", {"page": page, "form": form, "can_manage": can_manage}, status=status
    )


@desk_required
def feed_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One feed: its state, its latest entries and what became of each; editors change it here."""
    feed = get_object_or_404(Feed.objects.select_related("outlet"), pk=pk)
    can_manage = roles.can_manage_feeds(request.user)
    form = FeedForm(request.POST or None, instance=feed)
    status = 200
    if request.method == "POST":
        require(can_manage, "Your role cannot change feeds.")
        if form.is_valid():
            try:
                feeds.check_feed_url(form.cleaned_data["url"])
            except (DeskError, ValidationError) as exc:
                refuse(form, exc)
            else:
                changed = form.save(commit=False)
                changed._history_user = request.user
                changed.save()
                messages.success(request, "Feed saved.")
                return redirect("feed-detail", pk=feed.pk)
        status = 400
    entries = feed.entries.select_related("article").order_by("-seen_at", "-id")[:50]
    context = {"feed": feed, "entries": entries, "form": form, "can_manage": can_manage}
    return render(request, "tracker/inbox/feed.html", context, status=status)


@desk_required
@require_POST
def feed_poll(request: HttpRequest, pk: int) -> HttpResponse:
    feed = get_object_or_404(Feed, pk=pk)
    require(roles.can_manage_feeds(request.user), "Your role cannot poll feeds.")
    if feeds.queue_poll(feed):
        messages.success(request, "The worker will read the feed shortly.")
    else:
        messages.info(request, "A read of this feed is already queued.")
    return redirect("feed-detail", pk=feed.pk)


@desk_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a comment to the claim's discussion."""
    claim = get_claim_for(request, pk)
    form = CommentForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            comment = comments.add_comment(claim, form.cleaned_data["body"], by=request.user)
        except (DeskError, ValidationError) as exc:
            status = refuse(form, exc)
        else:
            return redirect(f"{claim.get_absolute_url()}#comment-{comment.pk}")
    return render_claim(request, claim, status=status, comment_form=form)


@desk_required
def comment_edit(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    """Change one's own comment within the edit window."""
    claim = get_claim_for(request, pk)
    comment = get_object_or_404(Comment.objects.select_related("author"), pk=comment_id, claim=claim)
    require(comment.author_id == request.user.pk, "Only the author can change a comment.")
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    status = 200
    if not comment.can_edit(request.user):
        form.add_error(
            None, f"A comment can be changed only in the {Comment.EDIT_WINDOW_MINUTES} minutes after it was written."
        )
        status = 409
    elif request.method == "POST":
        if form.is_valid():
            try:
                comments.edit_comment(comment, form.cleaned_data["body"], by=request.user)
            except (DeskError, ValidationError) as exc:
                status = refuse(form, exc)
            else:
                messages.success(request, "Comment changed.")
                return redirect(f"{claim.get_absolute_url()}#comment-{comment.pk}")
        else:
            status = 400
    context = {"claim": claim, "comment": comment, "form": form}
    return render(request, "tracker/inbox/comment_edit.html", context, status=status)


@desk_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The signed-in member's notifications, newest first, and their e-mail choice."""
    user = request.user
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            notifications.set_email(user, form.cleaned_data["email"])
            messages.success(request, "Notification settings saved.")
            return redirect("notification-list")
    unread_only = request.GET.get("unread") == "1"
    queryset = notifications.for_user(user).order_by("-created_at", "-id")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    page = paginate(request, queryset)
    rows = [{"n": n, "text": notifications.describe(n)} for n in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "unread_only": unread_only,
        "preference_form": PreferenceForm(initial={"email": notifications.wants_email(user)}),
        "email_enabled": bool(request.user.email) and settings.FACTDESK_EMAIL_ENABLED,
    }
    return render(request, "tracker/inbox/notifications.html", context)


@desk_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or all of them read, then go back (or to its claim with ``open``)."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() and len(raw) < 19 else None
    notifications.mark_read(request.user, ids)
    target = request.POST.get("open", "")
    if ids and target.isdigit() and len(target) < 19:
        return redirect("claim-detail", pk=int(target))
    return redirect("notification-list")
