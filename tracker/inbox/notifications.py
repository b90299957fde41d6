"""Notifications (DESIGN §8): what the desk tells each member, in the desk and, when they chose it, by e-mail.

Created from the workflow's claim_transitioned signal and the claims
domain's claim_assigned signal (both sent after commit) and from comments'
mentions; nobody is told about what they did themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracker import roles
from tracker.inbox import jobs
from tracker.inbox.models import InboxPreference, Notification
from tracker.models import Claim

# The header shows the unread count up to this, then "99+": counting is bounded, never a full COUNT(*).
UNREAD_CAP = 99


def reviewers():
    """Return the active users who may publish claims (the review_claim permission, from a group or their own)."""
    perm = Permission.objects.filter(codename="review_claim", content_type__app_label="tracker")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions__in=perm) | Q(user_permissions__in=perm))
        .distinct()
    )


def notify(recipients, kind: str, *, claim: Claim | None = None, comment=None, actor=None, note: str = "") -> list:
    """Tell each recipient (users, once each, never the actor, only desk members) and queue their e-mails."""
    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        if not roles.is_staff_member(user):
            continue
        rows.append(
            Notification(recipient=user, kind=kind, claim=claim, comment=comment, actor=actor, note=note[:2000])
        )
    if not rows:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        if settings.FACTDESK_EMAIL_ENABLED:
            wanting = set(
                InboxPreference.objects.filter(user_id__in=[n.recipient_id for n in created], email=True).values_list(
                    "user_id", flat=True
                )
            )
            for notification in created:
                if notification.recipient_id in wanting and notification.recipient.email:
                    jobs.email_notification.enqueue(notification.pk)
    return created


def unread_count(user) -> int:
    """Return the user's unread notifications, counted up to UNREAD_CAP + 1 (one cheap indexed query)."""
    if not (user and user.is_authenticated):
        return 0
    # Ids, not COUNT(*): at most UNREAD_CAP + 1 rows read from the partial index.
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by()
    return len(unread.values_list("id", flat=True)[: UNREAD_CAP + 1])


def for_user(user):
    return Notification.objects.filter(recipient=user).select_related("claim", "actor", "comment")


def mark_read(user, ids=None) -> int:
    """Mark the user's notifications read (the given ids, or all); return how many changed."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())


def wants_email(user) -> bool:
    return InboxPreference.objects.filter(user=user, email=True).exists()


def set_email(user, wanted: bool) -> None:
    InboxPreference.objects.update_or_create(user=user, defaults={"email": bool(wanted)})


def describe(notification: Notification) -> str:
    """Return the notification as one sentence, e.g. "eddie assigned you claim #4: “...”"."""
    who = notification.actor.get_username() if notification.actor else "Someone"
    claim = notification.claim
    what = f"claim #{claim.pk}: “{_short(claim.text)}”" if claim else "a claim"
    Kind = Notification.Kind
    if notification.kind == Kind.ASSIGNED:
        return f"{who} assigned you {what}"
    if notification.kind == Kind.SENT_BACK:
        return f"{who} sent back {what}" + (f" — “{_short(notification.note, 200)}”" if notification.note else "")
    if notification.kind == Kind.REVIEW:
        return f"{who} sent {what} to review; it waits for your review"
    if notification.kind == Kind.PUBLISHED:
        return f"{who} published {what}"
    if notification.kind == Kind.MENTIONED:
        return f"{who} mentioned you on {what}"
    return f"{notification.get_kind_display()}: {what}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def send_email(notification_id: int) -> dict:
    """Send one notification by e-mail, once (a retry after a failure sends it then)."""
    notification = (
        Notification.objects.select_related("recipient", "claim", "actor").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at is not None:
        return {"skipped": True}
    recipient = notification.recipient
    if not recipient.email or not settings.FACTDESK_EMAIL_ENABLED:
        return {"skipped": "no address or no mail configured"}
    link = ""
    if notification.claim_id:
        link = f"\n\n{settings.FACTDESK_SITE_URL}{notification.claim.get_absolute_url()}"
    subject = f"[{settings.FACTDESK_ORG_NAME}] {_short(describe(notification), 120)}"
    send_mail(subject, describe(notification) + link, None, [recipient.email])
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return {"sent": recipient.email}


# ---------------------------------------------------------------- signal receivers


def on_transition(sender, claim: Claim, event, **kwargs) -> None:
    """Notify who should know of a status change (receiver of workflow.claim_transitioned)."""
    Status = Claim.Status
    actor = event.actor
    if event.to_status == Status.IN_REVIEW:
        notify(reviewers(), Notification.Kind.REVIEW, claim=claim, actor=actor, note=event.note)
    elif event.from_status == Status.IN_REVIEW and event.to_status == Status.RESEARCHING:
        sender_id = (
            type(event)
            .objects.filter(claim=claim, to_status=Status.IN_REVIEW, at__lte=event.at)
            .exclude(pk=event.pk)
            .order_by("-at", "-id")
            .values_list("actor_id", flat=True)
            .first()
        )
        people = get_user_model().objects.filter(pk__in=[i for i in (sender_id, claim.assignee_id) if i])
        notify(people, Notification.Kind.SENT_BACK, claim=claim, actor=actor, note=event.note)
    elif event.to_status == Status.PUBLISHED:
        ids = {claim.assignee_id, claim.created_by_id}
        ids |= set(
            type(event).objects.filter(claim=claim, to_status=Status.IN_REVIEW).values_list("actor_id", flat=True)
        )
        people = get_user_model().objects.filter(pk__in=[i for i in ids if i])
        notify(people, Notification.Kind.PUBLISHED, claim=claim, actor=actor, note=event.note)


def on_assignment(sender, claim: Claim, assignee, by, **kwargs) -> None:
    """Tell the new assignee (receiver of claims.claim_assigned)."""
    notify([assignee], Notification.Kind.ASSIGNED, claim=claim, actor=by)
