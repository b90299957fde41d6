"""Webhooks (DESIGN §8): signed JSON POSTs to receivers when claims are published, corrected or moved.

Events: ``claim.transitioned`` (every status change), ``claim.published``
(every publish) and ``claim.corrected`` (a publish that added a public
correction). The body carries the claim and, once it is published, its
ClaimReview; ``X-Factdesk-Signature: sha256=<hex HMAC-SHA256 of the body
with the webhook's secret>`` lets the receiver check it came from the desk.
The worker delivers each one after the transaction committed, through the
same address guard as fetching, retrying with backoff; receivers may see a
delivery twice (its ``X-Factdesk-Delivery`` id is the same) and should
ignore the repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from tracker import claimreview
from tracker.inbox import fetching, jobs
from tracker.inbox.models import Webhook, WebhookDelivery
from tracker.models import Claim

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 256 * 1024
# Which webhooks are on, and for which events, is kept in the cache (CACHES: shared Redis in production) and
# dropped whenever a webhook is saved or deleted, so a transition with no receiver wanting it costs no query.
# With a per-process cache (no CACHE_URL) other processes see a new webhook after SUBSCRIPTIONS_TTL at most.
SUBSCRIPTIONS_KEY = "factdesk:webhooks:subscriptions"
SUBSCRIPTIONS_TTL = 30  # seconds


class DeliveryFailed(Exception):
    """The receiver did not accept the delivery; the worker tries again later."""


def sign(secret: str, body: bytes) -> str:
    """Return the X-Factdesk-Signature value for body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """Whether signature is the desk's for body (what a receiver does)."""
    return hmac.compare_digest(sign(secret, body), signature or "")


def _payload(event: str, claim: Claim, transition) -> dict:
    body = {
        "event": event,
        "occurred_at": (transition.at if transition is not None else timezone.now()).isoformat(),
        "claim": {
            "id": claim.pk,
            "status": claim.status,
            "version": claim.version,
            "url": settings.FACTDESK_SITE_URL + claim.get_absolute_url(),
            "public_url": claimreview.public_url(claim) if claim.public_snapshot else None,
        },
        "claimreview": claimreview.build(claim) if claim.public_snapshot else None,
    }
    if transition is not None:
        body["transition"] = {
            "from": transition.from_status,
            "to": transition.to_status,
            "note": transition.note,
            "actor": transition.actor.get_username() if transition.actor else None,
        }
    return body


def subscriptions() -> dict[int, list[str]]:
    """Return {webhook id: its events} of the active webhooks, from the cache when it has them."""
    found = cache.get(SUBSCRIPTIONS_KEY)
    if found is None:
        found = {
            pk: list(events or []) for pk, events in Webhook.objects.filter(active=True).values_list("pk", "events")
        }
        cache.set(SUBSCRIPTIONS_KEY, found, SUBSCRIPTIONS_TTL)
    return found


def forget_subscriptions(**kwargs) -> None:
    """A webhook changed: drop the cached subscriptions now and again at commit (a process that read them
    before the change was visible may have cached them meanwhile)."""
    cache.delete(SUBSCRIPTIONS_KEY)
    transaction.on_commit(lambda: cache.delete(SUBSCRIPTIONS_KEY))


def connect() -> None:
    post_save.connect(forget_subscriptions, sender=Webhook, dispatch_uid="webhooks-forget-saved")
    post_delete.connect(forget_subscriptions, sender=Webhook, dispatch_uid="webhooks-forget-deleted")


def queue(event: str, claim: Claim, transition=None) -> list[WebhookDelivery]:
    """Record a delivery of event for every active webhook that wants it, and queue each one."""
    wanting = [pk for pk, events in subscriptions().items() if event in events]
    if not wanting:
        return []
    # The cache only says who may want it: the rows themselves decide (one may have been switched off since).
    hooks = [hook for hook in Webhook.objects.filter(pk__in=wanting, active=True) if event in (hook.events or [])]
    if not hooks:
        return []
    body = json.dumps(_payload(event, claim, transition), ensure_ascii=False, sort_keys=True)
    deliveries = []
    with transaction.atomic():
        for hook in hooks:
            delivery = WebhookDelivery.objects.create(webhook=hook, event=event, claim=claim, body=body)
            jobs.deliver_webhook.enqueue(delivery.pk)
            deliveries.append(delivery)
    return deliveries


def redeliver(delivery: WebhookDelivery) -> None:
    """Queue a delivery again (the admin's "Deliver again")."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(state=WebhookDelivery.State.PENDING, attempts=0)
        jobs.deliver_webhook.enqueue(delivery.pk)


def _record(delivery: WebhookDelivery, *, status: int | None, error: str, state: str) -> None:
    now = timezone.now()
    entry = {"at": now.isoformat(), "status": status, "error": error[:500]}
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts + 1,
        response_status=status,
        last_error=error[:2000],
        state=state,
        log=[*delivery.log, entry][-50:],
        delivered_at=now if state == WebhookDelivery.State.DELIVERED else None,
    )


def deliver(delivery_id: int) -> dict:
    """POST one delivery; raise DeliveryFailed (so the worker retries) until the receiver answers 2xx."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.state == WebhookDelivery.State.DELIVERED:
        return {"skipped": True}
    hook = delivery.webhook
    if not hook.active:
        _record(delivery, status=None, error="The webhook is switched off.", state=WebhookDelivery.State.FAILED)
        return {"skipped": "webhook off"}
    last_try = delivery.attempts + 1 >= jobs.attempts_for(jobs.deliver_webhook.module_path)
    body = delivery.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Factdesk-Event": delivery.event,
        "X-Factdesk-Delivery": str(delivery.pk),
        "X-Factdesk-Signature": sign(hook.secret, body),
    }
    try:
        response = fetching.fetch(
            hook.url,
            method="POST",
            body=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            max_bytes=MAX_RESPONSE_BYTES,
            follow_redirects=False,
        )
    except fetching.FetchRefused as exc:
        # The address is one the desk may not reach: trying again changes nothing.
        _record(delivery, status=None, error=str(exc), state=WebhookDelivery.State.FAILED)
        return {"refused": str(exc)}
    except fetching.FetchError as exc:
        state = WebhookDelivery.State.FAILED if last_try else WebhookDelivery.State.PENDING
        _record(delivery, status=None, error=str(exc), state=state)
        raise DeliveryFailed(str(exc)) from None
    if 200 <= response.status < 300:
        _record(delivery, status=response.status, error="", state=WebhookDelivery.State.DELIVERED)
        return {"status": response.status}
    error = f"The receiver answered HTTP {response.status}."
    state = WebhookDelivery.State.FAILED if last_try else WebhookDelivery.State.PENDING
    _record(delivery, status=response.status, error=error, state=state)
    raise DeliveryFailed(error)


def on_transition(sender, claim: Claim, event, **kwargs) -> None:
    """Queue the webhook events of a status change (receiver of workflow.claim_transitioned).

    claim is the locked claim as the transition saved it (its public snapshot included), which is what
    committed: it is not read again.
    """
    queue("claim.transitioned", claim, event)
    if event.to_status == Claim.Status.PUBLISHED:
        queue("claim.published", claim, event)
        if claim.corrections.filter(event=event).exists():
            queue("claim.corrected", claim, event)
