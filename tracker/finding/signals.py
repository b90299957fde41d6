"""Keep every claim's search document current, whichever door changed what it is found by."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from tracker.finding import matching, search
from tracker.finding.models import FactCheck, MatchTerm
from tracker.models import Appearance, Claim, Claimant, Tag


def _claim_saved(sender, instance, raw=False, **kwargs):
    # A save that changed nothing searched (a transition, the trash, a new priority) keeps its document:
    # reading the claim, its tags and appearances again would be three queries on every write (issue 8).
    if not raw and not getattr(instance, "_search_unchanged", False):
        search.refresh([instance.pk])
        matching.index_claims([instance.pk])


def _claim_deleted(sender, instance, **kwargs):
    search.forget([instance.pk])
    matching.forget(MatchTerm.Kind.CLAIM, [instance.pk])


def _appearance_changed(sender, instance, raw=False, **kwargs):
    if raw or getattr(instance, "_search_unchanged", False):
        return
    ids = [instance.claim_id]
    previous = getattr(instance, "_search_previous_claim", None)
    if previous and previous != instance.claim_id:
        ids.append(previous)
    search.refresh(ids)
    matching.index_claims(ids)


def _tags_changed(sender, instance, action, pk_set=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Claim):
        if not getattr(instance, "_search_unchanged", False):
            search.refresh([instance.pk])
    elif pk_set:  # tag.claims.add(...): the claims are in pk_set
        search.refresh(pk_set)


def _claimant_saved(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:
        search.refresh(Claim.all_objects.filter(claimant=instance).values_list("pk", flat=True))


def _tag_saved(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:
        search.refresh(instance.claims.values_list("pk", flat=True))


def _factcheck_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        matching.index_factchecks([instance])


def _factcheck_deleted(sender, instance, **kwargs):
    matching.forget(MatchTerm.Kind.FACTCHECK, [instance.pk])


def connect() -> None:
    post_save.connect(_factcheck_saved, sender=FactCheck, dispatch_uid="finding-factcheck-saved")
    post_delete.connect(_factcheck_deleted, sender=FactCheck, dispatch_uid="finding-factcheck-deleted")
    post_save.connect(_claim_saved, sender=Claim, dispatch_uid="finding-claim-saved")
    post_delete.connect(_claim_deleted, sender=Claim, dispatch_uid="finding-claim-deleted")
    post_save.connect(_appearance_changed, sender=Appearance, dispatch_uid="finding-appearance-saved")
    post_delete.connect(_appearance_changed, sender=Appearance, dispatch_uid="finding-appearance-deleted")
    m2m_changed.connect(_tags_changed, sender=Claim.tags.through, dispatch_uid="finding-claim-tags")
    post_save.connect(_claimant_saved, sender=Claimant, dispatch_uid="finding-claimant-saved")
    post_save.connect(_tag_saved, sender=Tag, dispatch_uid="finding-tag-saved")
