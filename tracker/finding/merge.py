"""Merging a duplicate claim into another (DESIGN §6): the one domain function every door calls.

The merged claim's appearances and evidence move to the claim that stays (an
appearance or source that one already has is dropped, the history keeps it),
the merged claim goes to the trash saying "merged into #N", and both claims
get a new version whose history records the merge.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tracker import roles
from tracker.models import Claim, StatusCount
from tracker.workflow import ClaimFrozen, EditForbidden, StaleVersion, WorkflowError, save_new_version


class MergeRefused(WorkflowError):
    """The merge cannot be made now (HTTP 409)."""


class MergeTargetInvalid(MergeRefused):
    """The claim to merge into cannot take it: itself, or in the trash (HTTP 400 on ``into``)."""

    status = 400
    field = "into"


@dataclass
class MergeResult:
    claim: Claim
    into: Claim
    appearances: int
    evidence: int


def merge_claims(claim: Claim, *, into: Claim, by, expected_version: int | None) -> MergeResult:
    """Merge claim into ``into`` for by (see the module's docstring); refuse with a WorkflowError."""
    if not roles.can_merge(by):
        raise EditForbidden("Your role cannot merge claims.")
    if claim.pk == into.pk:
        raise MergeTargetInvalid("A claim cannot be merged into itself.")
    with transaction.atomic():
        # Both rows locked, lower id first, so two merges of the same pair cannot deadlock.
        locked = {
            c.pk: c for c in Claim.all_objects.select_for_update().filter(pk__in=[claim.pk, into.pk]).order_by("pk")
        }
        source, target = locked[claim.pk], locked[into.pk]
        if expected_version is not None and source.version != expected_version:
            raise StaleVersion(source, seen=expected_version)
        if source.in_trash:
            raise MergeRefused("This claim is in the trash; restore it first.")
        if target.in_trash:
            raise MergeTargetInvalid(f"Claim #{target.pk} is in the trash; restore it first.")
        if not source.is_editable:
            raise ClaimFrozen(
                f"Only a new or researching claim can be merged; this one is {source.get_status_display().lower()}. "
                "Merge the other claim into this one instead."
            )
        reason = f"merged into #{target.pk}"
        target_spans = set(target.appearances.values_list("article_id", "start", "end"))
        target_sources = set(target.evidence.values_list("source_id", flat=True))
        moving_evidence = [ev for ev in source.evidence.all() if ev.source_id not in target_sources]
        if moving_evidence and not target.is_editable:
            raise ClaimFrozen(
                f"Claim #{target.pk} is {target.get_status_display().lower()}: its evidence cannot change, and this "
                "claim has evidence it lacks. Move it back to researching first."
            )
        moved_appearances = 0
        for appearance in source.appearances.all():
            appearance._history_user = by
            appearance._change_reason = reason
            if (appearance.article_id, appearance.start, appearance.end) in target_spans:
                appearance.delete()  # the same quote is already there; the history keeps this copy
                continue
            appearance._search_previous_claim = source.pk
            appearance.claim = target
            appearance.save()
            moved_appearances += 1
        for evidence in source.evidence.all():
            evidence._history_user = by
            evidence._change_reason = reason
            if evidence.source_id in target_sources:
                evidence.delete()
                continue
            evidence.claim = target
            evidence.save()
        source.deleted_at = timezone.now()
        source.deleted_by = by
        source.merged_into = target
        save_new_version(source, by, reason=reason)
        StatusCount.objects.shift({source.status: -1})
        save_new_version(target, by, reason=f"merged #{source.pk} into this claim")
    return MergeResult(source, target, moved_appearances, len(moving_evidence))
