"""Connect the inbox to the domain's signals (called once from TrackerConfig.ready)."""

from __future__ import annotations


def connect() -> None:
    from tracker import claims, workflow
    from tracker.inbox import notifications, webhooks

    workflow.claim_transitioned.connect(notifications.on_transition, dispatch_uid="inbox-notify-transition")
    workflow.claim_transitioned.connect(webhooks.on_transition, dispatch_uid="inbox-webhooks-transition")
    claims.claim_assigned.connect(notifications.on_assignment, dispatch_uid="inbox-notify-assignment")
