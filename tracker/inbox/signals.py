"""Connect the inbox to the domain's signals (called once from TrackerConfig.ready)."""

from __future__ import annotations

import functools
import logging

logger = logging.getLogger(__name__)


def _after_commit(receiver):
    """Run receiver, logging (not raising) a failure: the change it follows is already committed,
    and a notification or webhook that could not be queued must not turn that success into an error page."""

    @functools.wraps(receiver)
    def safe(*args, **kwargs):
        try:
            receiver(*args, **kwargs)
        except Exception:
            logger.exception("%s failed after a committed change", receiver.__qualname__)

    return safe


_RECEIVERS = []


def connect() -> None:
    from tracker import claims, workflow
    from tracker.inbox import notifications, webhooks

    for signal, receiver, uid in (
        (workflow.claim_transitioned, notifications.on_transition, "inbox-notify-transition"),
        (workflow.claim_transitioned, webhooks.on_transition, "inbox-webhooks-transition"),
        (claims.claim_assigned, notifications.on_assignment, "inbox-notify-assignment"),
    ):
        safe = _after_commit(receiver)
        _RECEIVERS.append(safe)  # signals hold weak references
        signal.connect(safe, dispatch_uid=uid)
    webhooks.connect()
