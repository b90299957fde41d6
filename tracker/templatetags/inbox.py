"""Template tags of the inbox: the header's unread count and a claim's discussion."""

from django import template

from tracker import roles
from tracker.inbox import comments, notifications
from tracker.inbox.models import Comment

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """Return the signed-in desk member's unread count (one bounded, indexed query), or 0."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not roles.is_staff_member(user):
        return 0
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = notifications.unread_count(user)
    return request._unread_notifications


@register.filter
def capped(count: int) -> str:
    return f"{notifications.UNREAD_CAP}+" if count > notifications.UNREAD_CAP else str(count)


@register.inclusion_tag("tracker/inbox/_comments.html", takes_context=True)
def claim_comments(context, claim, form=None):
    """Render the claim's discussion with its comment form."""
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = list(
        Comment.objects.filter(claim=claim)
        .select_related("author")
        .prefetch_related("mentions")
        .order_by("created_at", "id")
    )
    items = [
        {
            "comment": c,
            "html": comments.render(c.body, {u.get_username() for u in c.mentions.all()}),
            "can_edit": c.can_edit(user),
        }
        for c in rows
    ]
    return {
        "claim": claim,
        "items": items,
        "can_comment": roles.can_comment(user) and not claim.in_trash,
        "form": form,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
