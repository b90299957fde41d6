"""A discussion on each claim (DESIGN §8): comments with @username mentions.

A comment's text is stored as written and escaped whenever it is shown;
links (http and https only) and mentions of desk members are made
clickable piece by piece with format_html, never by trusting the text as
HTML. Its author may change it for Comment.EDIT_WINDOW_MINUTES; every
version stays in its history.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from tracker import roles
from tracker.errors import DeskError
from tracker.inbox import notifications
from tracker.inbox.models import Comment, Notification
from tracker.models import Claim
from tracker.reading import anchoring

MAX_LENGTH = Comment._meta.get_field("body").max_length
_MENTION = r"(?<![\w@.+-])@(?P<name>[\w.@+-]*[\w])"
MENTION_RE = re.compile(_MENTION)
TOKEN_RE = re.compile(r"(?P<url>\bhttps?://[^\s<>\"'`]+)|" + _MENTION, re.IGNORECASE)
MAX_MENTIONS = 30
_TRAILING = ".,;:!?)]}'\""


class CommentError(DeskError):
    status = 400
    field = "body"


class CommentForbidden(CommentError):
    status = 403
    field = None


class CommentLocked(CommentError):
    """The edit window has passed (HTTP 409)."""

    status = 409
    field = None


def _clean(body) -> str:
    if not isinstance(body, str):
        raise CommentError("The comment must be text.")
    try:
        body = anchoring.normalise_text(body).strip()
    except anchoring.InvalidText as exc:
        raise CommentError(f"The comment cannot be stored: {exc}") from None
    if not body:
        raise CommentError("Write something first: the comment is empty.")
    if len(body) > MAX_LENGTH:
        raise CommentError(f"A comment may be at most {MAX_LENGTH} characters; this one has {len(body)}.")
    return body


def mentioned_users(body: str):
    """Return the desk members named as @username in body."""
    names = {match.group("name").lower() for match in MENTION_RE.finditer(body)}
    if not names:
        return []
    # Nobody types a username's capitals as registered; a comment names at most a few dozen people.
    match = Q()
    for name in sorted(names)[:MAX_MENTIONS]:
        match |= Q(username__iexact=name)
    users = get_user_model().objects.filter(match, is_active=True)
    return [u for u in users if roles.is_staff_member(u)]


def add_comment(claim: Claim, body, *, by) -> Comment:
    """Add by's comment to claim and notify the people it mentions."""
    if not roles.can_comment(by):
        raise CommentForbidden("Your role cannot comment on claims.")
    if claim.in_trash:
        raise CommentForbidden("The claim is in the trash; restore it first.")
    body = _clean(body)
    with transaction.atomic():
        comment = Comment(claim=claim, author=by, body=body)
        comment._history_user = by
        comment.save()
        mentioned = mentioned_users(body)
        comment.mentions.set(mentioned)
        notifications.notify(mentioned, Notification.Kind.MENTIONED, claim=claim, comment=comment, actor=by)
    return comment


def edit_comment(comment: Comment, body, *, by) -> Comment:
    """Change by's own comment within the edit window; newly mentioned people are notified."""
    body = _clean(body)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if by is None or locked.author_id != by.pk:
            raise CommentForbidden("Only the author can change a comment.")
        if not locked.can_edit(by):
            raise CommentLocked(
                f"A comment can be changed only in the {Comment.EDIT_WINDOW_MINUTES} minutes after it was written."
            )
        if locked.body == body:
            return locked
        before = set(locked.mentions.values_list("pk", flat=True))
        locked.body = body
        locked.edited_at = timezone.now()
        locked._history_user = by
        locked.save()
        mentioned = mentioned_users(body)
        locked.mentions.set(mentioned)
        fresh = [u for u in mentioned if u.pk not in before]
        notifications.notify(fresh, Notification.Kind.MENTIONED, claim=locked.claim, comment=locked, actor=by)
    return locked


def render(body: str, known: set[str] | None = None) -> SafeString:
    """Return body as HTML: escaped, line breaks kept, links and mentions of known usernames clickable."""
    known = {name.lower() for name in known} if known is not None else None
    parts, position = [], 0
    for match in TOKEN_RE.finditer(body):
        parts.append(_text(body[position : match.start()]))
        position = match.end()
        if match.group("url"):
            url = match.group("url")
            trail = ""
            while url and url[-1] in _TRAILING:
                trail = url[-1] + trail
                url = url[:-1]
            parts.append(format_html('<a href="{}" rel="nofollow noopener noreferrer">{}</a>', url, url))
            parts.append(_text(trail))
        else:
            name = match.group("name")
            if known is None or name.lower() in known:
                href = reverse("claim-list") + "?" + urlencode({"assignee": name})
                parts.append(format_html('<a class="mention" href="{}">@{}</a>', href, name))
            else:
                parts.append(_text(match.group(0)))
    parts.append(_text(body[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped by format_html


def _text(text: str) -> str:
    return format_html("{}", text).replace("\n", "<br>")
