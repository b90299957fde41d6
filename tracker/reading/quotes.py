"""Quotes that survive edits (DESIGN §7): re-anchoring an article's appearances, confirming and re-attaching them.

``reanchor_article`` is the one function that moves appearances after an
article's text changed, from any door (desk edit, API PATCH, admin, re-import,
the inbox's re-fetch); it sends ``quotes_reanchored`` after commit so search
documents and notifications can follow. ``preview`` runs the same search
without saving, for the edit page's "what will happen to each quote".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal

from tracker import roles
from tracker.errors import DeskError
from tracker.models import Appearance, Article
from tracker.reading.anchoring import context, normalise_body
from tracker.reading.reanchoring import ORPHANED, Placement, StoredQuote, reanchor_all
from tracker.workflow import EditForbidden, lock_claim, save_new_version

# Sent after commit with article and outcomes (the QuoteOutcome of every appearance whose anchor changed).
quotes_reanchored = Signal()

State = Appearance.AnchorState


class ReattachError(DeskError):
    """The selected text cannot become this appearance's quote (HTTP 400)."""

    status = 400
    field = "start"


@dataclass(frozen=True)
class QuoteOutcome:
    """What an edit does (or did) to one appearance."""

    appearance: Appearance
    state: str
    reason: str
    needs_confirmation: bool
    old_quote: str
    new_quote: str | None
    start: int | None
    end: int | None

    @property
    def label(self) -> str:
        return State(self.state).label

    @property
    def changed_anything(self) -> bool:
        a = self.appearance
        return (self.state, self.new_quote, self.start) != (a.anchor_state, a.quote, a.start)


def _stored(appearance: Appearance) -> StoredQuote:
    return StoredQuote(
        quote=appearance.quote,
        start=appearance.start,
        end=appearance.end,
        prefix=appearance.prefix,
        suffix=appearance.suffix,
        group=appearance.claim_id,
    )


def _outcome(appearance: Appearance, placement: Placement) -> QuoteOutcome:
    anchor = placement.anchor
    return QuoteOutcome(
        appearance=appearance,
        state=placement.state,
        reason=placement.reason,
        needs_confirmation=placement.needs_confirmation,
        old_quote=appearance.quote,
        new_quote=anchor.quote if anchor else None,
        start=anchor.start if anchor else None,
        end=anchor.end if anchor else None,
    )


def _appearances(article: Article) -> list[Appearance]:
    return list(article.appearances.select_related("claim").order_by("start", "id"))


def preview(article: Article, new_body: str) -> list[QuoteOutcome]:
    """Return what replacing article's body with new_body would do to each of its quotes, saving nothing."""
    new_body = normalise_body(new_body)
    appearances = _appearances(article)
    placements = reanchor_all(new_body, [_stored(a) for a in appearances], old_body=article.body)
    return [_outcome(a, p) for a, p in zip(appearances, placements, strict=True)]


def reanchor_article(article: Article, *, old_body: str | None, by=None) -> list[QuoteOutcome]:
    """Find every appearance of article again in its (just saved) body; save and return what became of each.

    Runs inside the caller's transaction (Article.save calls it right after
    writing the new text), so the text and its quotes change together.
    """
    appearances = _appearances(article)
    placements = reanchor_all(article.body, [_stored(a) for a in appearances], old_body=old_body)
    outcomes = []
    changed: list[tuple[Appearance, QuoteOutcome]] = []
    spans = {a.pk: (a.claim_id, a.start, a.end) for a in appearances}
    for appearance, placement in zip(appearances, placements, strict=True):
        outcome = _outcome(appearance, placement)
        outcomes.append(outcome)
        before = appearance.anchor_fields()
        appearance.anchor_state = placement.state
        if placement.anchor is not None:
            anchor = placement.anchor
            # A changed quote follows the new words; its old words stay in the appearance's history.
            appearance.quote = anchor.quote
            appearance.start, appearance.end = anchor.start, anchor.end
            appearance.prefix, appearance.suffix = anchor.prefix, anchor.suffix
            appearance.needs_confirmation = placement.needs_confirmation
        else:
            # Orphaned: the last known place and words are kept, to show and to re-attach from.
            appearance.needs_confirmation = False
        if appearance.anchor_fields() != before:
            appearance._history_user = by
            appearance._change_reason = f"Article text changed: {placement.reason}"[:100]
            changed.append((appearance, outcome))
    _save_in_order([a for a, _ in changed], spans, len(article.body))
    changed = [outcome for _, outcome in changed]
    if changed:
        transaction.on_commit(lambda: quotes_reanchored.send(sender=Article, article=article, outcomes=changed))
    return outcomes


def _save_in_order(appearances: list[Appearance], spans: dict, length: int) -> None:
    """Save moved appearances so that none lands, even for a moment, on a span another still holds.

    Two appearances of one claim never share a span (a unique constraint); when
    two swap places, one steps aside first (a plain update, no history record).
    """
    pending = list(appearances)
    parked = 0
    while pending:
        held = {spans[a.pk] for a in pending}
        ready = next((a for a in pending if (a.claim_id, a.start, a.end) not in held - {spans[a.pk]}), None)
        if ready is None:
            ready = pending[0]
            parked += 1
            Appearance.objects.filter(pk=ready.pk).update(start=length + parked, end=length + parked + 1)
            spans[ready.pk] = (ready.claim_id, length + parked, length + parked + 1)
            continue
        ready.save()
        spans[ready.pk] = (ready.claim_id, ready.start, ready.end)
        pending.remove(ready)


def _check_may_change(appearance: Appearance, by) -> None:
    claim = appearance.claim
    if claim.in_trash:
        raise EditForbidden("The claim is in the trash; restore it first.")
    if not roles.can_edit_claim(by, claim):
        raise EditForbidden("You may not change this claim's quotes.")


def reattach(appearance: Appearance, *, start: int, end: int, by, expected_version: int | None = None) -> Appearance:
    """Anchor appearance to body[start:end] of its article (text the desk selected in the reader).

    Under the claim's lock; bumps the claim's version, since its quote changed.
    """
    with transaction.atomic():
        claim = lock_claim(appearance.claim, expected_version)
        locked = Appearance.objects.select_for_update().select_related("article").get(pk=appearance.pk)
        locked.claim = claim
        _check_may_change(locked, by)
        body = locked.article.body
        if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
            raise ReattachError("start and end must be whole numbers.")
        if not 0 <= start < end <= len(body):
            raise ReattachError(f"Select text inside the article (offsets 0 to {len(body)}).")
        # Whitespace picked up at either end of a selection is not part of a quote.
        while start < end and body[start].isspace():
            start += 1
        while end > start and body[end - 1].isspace():
            end -= 1
        if start == end:
            raise ReattachError("The selection holds no words.")
        clash = Appearance.objects.filter(claim=claim, article=locked.article, start=start, end=end)
        if clash.exclude(pk=locked.pk).exists():
            raise ReattachError("This claim already has a quote at exactly that place.")
        prefix, suffix = context(body, start, end)
        locked.quote = body[start:end]
        locked.start, locked.end, locked.prefix, locked.suffix = start, end, prefix, suffix
        locked.anchor_state = State.ANCHORED
        locked.needs_confirmation = False
        locked._history_user = by
        locked._change_reason = "Re-attached in the reader"
        locked.save()
        save_new_version(claim, by, reason="Quote re-attached")
    return locked


def confirm(appearance: Appearance, *, by, expected_version: int | None = None) -> Appearance:
    """Accept where re-anchoring placed a quote (a changed one with its new words); bumps the claim's version."""
    with transaction.atomic():
        claim = lock_claim(appearance.claim, expected_version)
        locked = Appearance.objects.select_for_update().get(pk=appearance.pk)
        locked.claim = claim
        _check_may_change(locked, by)
        if locked.anchor_state == ORPHANED:
            raise ReattachError("An orphaned quote has no place to confirm: select its words in the text instead.")
        if not locked.needs_confirmation:
            return locked
        locked.needs_confirmation = False
        locked.anchor_state = State.ANCHORED
        locked._history_user = by
        locked._change_reason = "Confirmed in the reader"
        locked.save()
        save_new_version(claim, by, reason="Quote confirmed")
    return locked
