"""Logging and editing claims, their appearances and evidence: the domain for every door.

Status changes and the trash are in tracker.workflow; everything else that
writes a claim, an appearance or evidence comes through here, so the API, the
UI, the admin and commands share one copy of each rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.dispatch import Signal
from django.utils import timezone

from tracker import references, roles
from tracker.finding import matching, search
from tracker.finding.search import SEARCHED_CLAIM_FIELDS
from tracker.models import Appearance, Article, Claim, Evidence, Source, StatusCount, Tag, keep_prefetched, tag_order
from tracker.reading import anchoring
from tracker.workflow import (
    ClaimFrozen,
    EditForbidden,
    WorkflowError,
    claim_transaction,
    lock_claim,
    save_new_version,
)

claim_assigned = Signal()  # sent after commit with claim, assignee, by: someone was given the claim

EDITABLE_FIELDS = (
    "text",
    "claimant",
    "claim_date",
    "rating",
    "verdict_summary",
    "verdict_explanation",
    "tags",
    "assignee",
    "priority",
)


class AppearanceError(WorkflowError):
    """An appearance cannot be anchored; ``index`` says which one of a list, ``field`` which field."""

    status = 400

    def __init__(self, message: str, index: int | None = None, field: str = "quote", starts: list[int] | None = None):
        super().__init__(message, field=field)
        self.index = index
        self.starts = starts  # where an ambiguous quote occurs, for the person to choose


class DuplicateEvidence(WorkflowError):
    def __init__(self, existing: Evidence):
        super().__init__("This source is already linked to the claim as evidence.")
        self.existing = existing

    def payload(self) -> dict:
        return {"id": self.existing.pk}


@dataclass
class AppearanceInput:
    article: Article
    quote: str
    start: int | None = None
    attribution: str = ""


@dataclass
class ClaimInput:
    text: str
    appearances: list[AppearanceInput]
    claimant: object = None
    claim_date: object = None
    tags: list[str] = field(default_factory=list)
    priority: str = Claim.Priority.NORMAL
    assignee: object = None


def _tag_key(name) -> str:
    try:
        return anchoring.normalise_text(str(name)).strip().lower()
    except anchoring.InvalidText:
        return str(name)


def resolve_tags(names) -> list[Tag]:
    """Return Tag rows for names (case-insensitively), creating the unknown ones."""
    if not _is_name_list(names):
        raise ValidationError({"tags": "Give tags as a list of names."})
    tags = []
    max_length = Tag._meta.get_field("name").max_length
    for raw in names:
        try:
            name = anchoring.normalise_text(str(raw)).strip()
        except anchoring.InvalidText as exc:
            raise ValidationError({"tags": f"A tag name is not valid: {exc}"}) from exc
        if not name:
            continue
        if len(name) > max_length:
            raise ValidationError({"tags": f"A tag name may be at most {max_length} characters: “{name[:40]}…”."})
        tag = references.tag_named(name)
        if tag not in tags:
            tags.append(tag)
    return tags


def _anchored(claim: Claim, item: AppearanceInput, by, index: int | None) -> Appearance:
    try:
        anchor = anchoring.anchor_quote(item.article.body, item.quote, item.start)
    except (anchoring.AnchorError, anchoring.InvalidText) as exc:
        field_name = "start" if isinstance(exc, anchoring.StartMismatch) else "quote"
        raise AppearanceError(str(exc), index=index, field=field_name, starts=getattr(exc, "starts", None)) from exc
    appearance = Appearance(
        claim=claim,
        article=item.article,
        quote=anchor.quote,
        start=anchor.start,
        end=anchor.end,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        attribution=item.attribution or "",
        created_by=by,
    )
    try:
        # The span and its context come from the anchor; what the caller typed
        # (attribution) still has to fit the column.
        # The claim, the article and the user are rows in hand: checking that they exist costs a query each.
        appearance.full_clean(
            exclude=["claim", "article", "created_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        field_name, messages = next(iter(exc.message_dict.items()))
        raise AppearanceError(messages[0], index=index, field=field_name) from exc
    appearance._history_user = by
    return appearance


def log_claim(data: ClaimInput, *, by, as_system: bool = False, matches: int = 0) -> Claim:
    """Create a claim with its anchored appearances, all or nothing.

    as_system skips the role check; it is for data-loading commands that act
    for no person (by=None), like workflow.transition's. matches: how many of
    the claim's best matches (DESIGN §6) to find with the write, for its answer
    (claim_matches).
    """
    if not as_system and not roles.can_log(by):
        raise EditForbidden("Your role cannot log claims.")
    if not data.appearances:
        raise AppearanceError("A claim needs at least one appearance in an article.", field="appearances")
    with transaction.atomic():
        claim = Claim(text=data.text, claim_date=data.claim_date, priority=data.priority or Claim.Priority.NORMAL)
        for name in ("claimant", "assignee"):
            try:
                setattr(claim, name, getattr(data, name))
            except (TypeError, ValueError) as exc:  # e.g. an id where a related object belongs
                raise ValidationError({name: "This value is not of the right kind."}) from exc
        claim.created_by = by
        check_assignee(claim.assignee)
        claim.full_clean(exclude=["created_by"])  # the user logging it, in hand: no query to see that they exist
        claim._history_user = by
        appearances = [_anchored(claim, item, by, index) for index, item in enumerate(data.appearances)]
        seen = set()
        for index, appearance in enumerate(appearances):
            key = (appearance.article_id, appearance.start, appearance.end)
            if key in seen:
                raise AppearanceError("The same quote is given twice.", index=index)
            seen.add(key)
        tags = resolve_tags(data.tags) if data.tags else []
        # The search document goes in with the row, from the parts in hand, instead of being rebuilt
        # (claim, tags, appearances read again) after the claim, each appearance and the tags are saved.
        in_order = sorted(appearances, key=lambda a: (a.article_id, a.start, a.end))
        claim.search_document = search.document_for(claim, in_order, sorted(tag.name for tag in tags))
        claim._search_unchanged = True
        claim.save()
        for appearance in appearances:
            appearance._search_unchanged = True
            appearance.save()
            del appearance._search_unchanged
        if tags:
            claim.tags.set(tags)
        del claim._search_unchanged
        search.stored_with_row({claim.pk: claim.search_document})
        # The signals that index a claim for matching were kept quiet above, as the search document's were.
        terms = matching.claim_terms(claim, in_order)
        if matches:
            # Ranked before the claim is indexed, as if it were (see find_for_new_claim); None: after the write.
            claim._matches_in_hand = matching.find_for_new_claim(claim, in_order, terms, limit=matches)
        # The status counter goes into the statement that indexes the claim when the database can (PostgreSQL):
        # one round trip fewer for every claim logged.
        counted = {claim.status: +1}
        shift = StatusCount.objects.shift_statement(counted)
        changed = matching.index_new_claim(claim, in_order, terms, carrying=shift)
        if changed is None:
            StatusCount.objects.shift(counted)
        else:
            StatusCount.objects.settle(counted, changed)
        _announce_assignment(claim, by)
    # The answer is made of what was just written: nothing is read again for it (answer_parts).
    claim._appearances_in_hand, claim._tags_in_hand = appearances, tags
    return claim


def claim_matches(claim: Claim, limit: int = 5) -> list:
    """Return the best matches of a claim just logged: those log_claim found with the write, else found now."""
    found = getattr(claim, "_matches_in_hand", None)
    if found is None:
        found = matching.find_for_claim(claim, list(claim.appearances.all()), limit=limit)
    return found


def _announce_assignment(claim: Claim, by) -> None:
    if claim.assignee_id is not None:
        assignee = claim.assignee
        transaction.on_commit(lambda: claim_assigned.send(sender=Claim, claim=claim, assignee=assignee, by=by))


def touch_version(locked: Claim, seen: Claim | None = None) -> None:
    """Bump a locked claim's version because one of its parts (appearances, evidence) changed.

    So an editor holding the claim as it was is told (412) instead of acting on
    a state they did not see. Without a claim history record: the part's own
    history says what changed.
    """
    locked.version += 1
    locked.updated_at = timezone.now()
    Claim.all_objects.filter(pk=locked.pk).update(version=locked.version, updated_at=locked.updated_at)
    if seen is not None and seen is not locked:
        # The caller's copy made this change itself: it may go on from the new version.
        seen.version, seen.updated_at = locked.version, locked.updated_at


def add_appearance(claim: Claim, item: AppearanceInput, *, by) -> Appearance:
    """Record that claim also appears in item.article, anchored at the quote."""
    if not roles.can_log(by):
        raise EditForbidden("Your role cannot add appearances.")
    with transaction.atomic():
        locked = Claim.all_objects.select_for_update().get(pk=claim.pk)
        if locked.in_trash:
            raise EditForbidden("The claim is in the trash; restore it first.")
        appearance = _anchored(locked, item, by, None)
        if locked.appearances.filter(article=appearance.article, start=appearance.start, end=appearance.end).exists():
            raise AppearanceError("This quote is already recorded as an appearance of the claim.")
        appearance.save()
        touch_version(locked, claim)
    return appearance


APPEARANCE_EDITABLE_FIELDS = ("quote", "start", "attribution")


def _lock_for_appearance_change(appearance: Appearance, by, expected_version: int | None) -> Claim:
    locked = lock_claim(Claim.all_objects.get(pk=appearance.claim_id), expected_version)
    if locked.in_trash:
        raise EditForbidden("The claim is in the trash; restore it first.")
    if not roles.can_edit_claim(by, locked):
        raise EditForbidden("You may not change this claim's appearances.")
    return locked


def change_appearance(appearance: Appearance, changes: dict, *, by, expected_version: int | None = None) -> Appearance:
    """Re-anchor an appearance's quote (and start) in its article, or change its attribution."""
    unknown = set(changes) - set(APPEARANCE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"{', '.join(sorted(unknown))} cannot be changed on an appearance; add another one instead.")
    with transaction.atomic():
        locked = _lock_for_appearance_change(appearance, by, expected_version)
        current = Appearance.objects.select_for_update().select_related("article").get(pk=appearance.pk)
        if not changes:
            return current
        if "quote" in changes or "start" in changes:
            item = AppearanceInput(
                article=current.article,
                quote=changes.get("quote", current.quote),
                start=changes.get("start", current.start if "quote" not in changes else None),
                attribution=changes.get("attribution", current.attribution),
            )
            anchored = _anchored(locked, item, by, None)
            clash = locked.appearances.filter(article=current.article, start=anchored.start, end=anchored.end)
            if clash.exclude(pk=current.pk).exists():
                raise AppearanceError("This quote is already recorded as an appearance of the claim.")
            for name in ("quote", "start", "end", "prefix", "suffix", "anchor_state"):
                setattr(current, name, getattr(anchored, name))
            if hasattr(current, "needs_confirmation"):
                current.needs_confirmation = False
        if "attribution" in changes:
            current.attribution = changes["attribution"]
        current.full_clean(exclude=["claim", "article"], validate_unique=False, validate_constraints=False)
        current._history_user = by
        current.save()
        touch_version(locked, appearance._state.fields_cache.get("claim"))
    return current


def remove_appearance(appearance: Appearance, *, by, expected_version: int | None = None) -> None:
    """Delete one appearance of a claim; a claim keeps at least one. The history keeps the removed row."""
    with transaction.atomic():
        locked = _lock_for_appearance_change(appearance, by, expected_version)
        if locked.appearances.count() <= 1:
            raise AppearanceError("A claim keeps at least one appearance; this is its only one.", field="article")
        appearance._history_user = by
        appearance.delete()
        touch_version(locked, appearance._state.fields_cache.get("claim"))


def changed_fields(claim: Claim, changes: dict) -> dict:
    """Return the subset of changes that differ from the claim as stored."""
    different = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} is not an editable claim field.")
        if name == "tags":
            current = {_tag_key(t.name) for t in claim.tags.all()}
            wanted = {_tag_key(v) for v in value if str(v).strip()} if _is_name_list(value) else None
            if current != wanted:
                different[name] = value
            continue
        model_field = Claim._meta.get_field(name)
        if not model_field.is_relation:
            # Compare as stored: "2025-06-01" is the date already there.
            try:
                value = model_field.to_python(value)
            except ValidationError as exc:
                raise ValidationError({name: exc.messages}) from exc
        if getattr(claim, name) != value:
            different[name] = value
    return different


def _is_name_list(value) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, str | bytes | dict)


def _edit_refusal(claim: Claim, by) -> str:
    own = by is not None and getattr(by, "pk", None) is not None and claim.created_by_id == by.pk
    if own and by.has_perm("tracker.change_own_claim"):
        return (
            f"You can edit the claims you logged only while they are new or researching; this one is "
            f"{claim.get_status_display().lower()}."
        )
    return "You may not edit this claim."


def check_editable(claim: Claim, by, changes: dict, *, as_system: bool = False) -> None:
    """Raise EditForbidden or ClaimFrozen when by may not make these changes to claim."""
    if claim.in_trash:
        raise EditForbidden("The claim is in the trash; restore it first.")
    if not as_system and not roles.can_edit_claim(by, claim):
        raise EditForbidden(_edit_refusal(claim, by))
    frozen = sorted(set(changes) & set(Claim.FROZEN_FIELDS))
    if frozen and not claim.is_editable:
        raise ClaimFrozen(
            f"The claim is {claim.get_status_display().lower()}: {', '.join(frozen)} can change only while it is "
            "new or researching. Move it back to researching first."
        )


def check_assignee(user) -> None:
    """Refuse to assign a claim to someone outside the desk (they could never open it)."""
    if user is not None and not roles.is_staff_member(user):
        raise ValidationError({"assignee": f"{user.get_username()} is not a member of the desk."})


def edit_claim(claim: Claim, changes: dict, *, by, expected_version: int | None, as_system: bool = False) -> Claim:
    """Apply field changes to claim for by, checking version, role and freeze; return the claim.

    A change that alters nothing still succeeds and leaves the version as it was.
    """
    with claim_transaction(claim):
        locked = lock_claim(claim, expected_version)
        different = changed_fields(locked, changes)
        check_editable(locked, by, different, as_system=as_system)
        if not different:
            return locked
        new_tags = "tags" in different
        tags = different.pop("tags", None)
        for name, value in different.items():
            try:
                setattr(locked, name, value)
            except (TypeError, ValueError) as exc:  # e.g. an id where a related object belongs
                raise ValidationError({name: "This value is not of the right kind."}) from exc
        if "assignee" in different:
            check_assignee(locked.assignee)
        # Only what changes: full_clean checks every foreign key it validates with a query of its own.
        locked.full_clean(exclude=[f.name for f in Claim._meta.fields if f.name not in different])
        if new_tags:
            _set_tags_quietly(locked, resolve_tags(tags))
        fields = list(different)
        if set(different) & SEARCHED_CLAIM_FIELDS or new_tags:
            # Re-indexed with the save, from the parts in hand: read with the claim under its lock where the
            # database can (versions.read_locked), else here; the answer shows them too (answer_parts).
            appearances = locked.__dict__.get("_appearances_in_hand")
            if appearances is None:
                appearances = locked._appearances_in_hand = list(answer_appearances().filter(claim_id=locked.pk))
            document = search.document_for(locked, appearances, [tag.name for tag in locked.tags.all()])
            if document != locked.search_document:
                locked.search_document = document
                fields.append("search_document")
        # One history record holds the whole edit, tags included.
        save_new_version(locked, by, searched_fields_changed=False, fields=fields)
        if "search_document" in fields:
            search.stored_with_row({locked.pk: locked.search_document})
        if "text" in different:
            # What matching finds a claim by (its wording and quotes) changed: only then are its postings redone.
            matching.index_claims([locked.pk])
        if "assignee" in different:
            _announce_assignment(locked, by)
    return locked


def answer_appearances():
    """The appearances of a claim as an answer shows them: in order, with their article's URL (and what
    searching and matching read of the article: its language and date)."""
    return (
        Appearance.objects.select_related("article")
        .only(*APPEARANCE_ANSWER_FIELDS, "article__url", "article__language", "article__published_at")
        .order_by("article_id", "start", "id")
    )


# Every column of an appearance but who added it (the answer does not show it).
APPEARANCE_ANSWER_FIELDS = tuple(f.attname for f in Appearance._meta.concrete_fields if f.name != "created_by")


def answer_parts(claim: Claim) -> None:
    """Give claim, for an answer made now, its tags and its appearances as prefetched ones (the appearances in
    the answer's order, each with article_url): those the write that returned it had in hand (log_claim,
    edit_claim, the history of its save), else each read in one query."""
    tags = claim.__dict__.pop("_tags_in_hand", None)
    if tags is not None:
        keep_prefetched(claim, "tags", sorted(tags, key=tag_order))
    else:
        prefetch_related_objects([claim], "tags")
    appearances = claim.__dict__.pop("_appearances_in_hand", None)
    if appearances is None:
        appearances = list(answer_appearances().filter(claim_id=claim.pk))
    for appearance in appearances:
        appearance.article_url = appearance.article.url
    keep_prefetched(claim, "appearances", sorted(appearances, key=lambda a: (a.article_id, a.start, a.pk)))


def add_tags(claim: Claim, names: list[str], *, by, expected_version: int | None) -> Claim:
    """Add tags to those the claim has, read under its lock so a tag added meanwhile is kept."""
    with transaction.atomic():
        locked = lock_claim(claim, expected_version)
        current = [tag.name for tag in locked.tags.all()]
        return edit_claim(locked, {"tags": current + list(names)}, by=by, expected_version=locked.version)


def _set_tags_quietly(claim: Claim, tags: list[Tag]) -> None:
    # Setting tags writes a history record per removal and per addition; the
    # save that follows records the new tags along with the other changes,
    # and the caller re-indexes the claim once, after that save.
    claim.skip_history_when_saving = True
    claim._search_unchanged = True
    try:
        claim.tags.set(tags)
    finally:
        del claim.skip_history_when_saving
        del claim._search_unchanged
    keep_prefetched(claim, "tags", sorted(tags, key=tag_order))  # what it has now, without a read


def _check_evidence_editable(claim: Claim, by) -> None:
    if claim.in_trash:
        raise EditForbidden("The claim is in the trash; restore it first.")
    if not claim.is_editable:
        raise ClaimFrozen(
            f"The claim is {claim.get_status_display().lower()}: its evidence can change only while it is new or "
            "researching."
        )


def add_evidence(
    claim: Claim, *, source: Source, stance: str, by, excerpt: str = "", note: str = "", as_system: bool = False
) -> Evidence:
    """Link source to claim as evidence with a stance (as_system: see log_claim)."""
    if not as_system and not roles.can_log(by):
        raise EditForbidden("Your role cannot add evidence.")
    with transaction.atomic():
        locked = Claim.all_objects.select_for_update().get(pk=claim.pk)
        _check_evidence_editable(locked, by)
        existing = Evidence.objects.filter(claim=locked, source=source).first()
        if existing is not None:
            raise DuplicateEvidence(existing)
        evidence = Evidence(claim=locked, source=source, stance=stance, excerpt=excerpt, note=note, added_by=by)
        evidence.full_clean(exclude=["claim", "source"])
        evidence._history_user = by
        evidence.save()
        touch_version(locked, claim)
    return evidence


def remove_evidence(evidence: Evidence, *, by) -> None:
    """Unlink evidence from its claim; the history keeps the removed row."""
    with transaction.atomic():
        locked = Claim.all_objects.select_for_update().get(pk=evidence.claim_id)
        if not roles.can_edit_claim(by, locked):
            raise EditForbidden("You may not change this claim's evidence.")
        _check_evidence_editable(locked, by)
        evidence._history_user = by
        evidence.delete()
        touch_version(locked, evidence._state.fields_cache.get("claim"))


def check_evidence_editable(claim: Claim, by, *, adding: bool = False) -> None:
    """Raise EditForbidden or ClaimFrozen when by may not add (adding=True) or change the evidence of claim."""
    allowed = roles.can_log(by) if adding else roles.can_edit_claim(by, claim)
    if not allowed:
        message = "Your role cannot add evidence." if adding else "You may not change this claim's evidence."
        raise EditForbidden(message)
    _check_evidence_editable(claim, by)


EVIDENCE_EDITABLE_FIELDS = ("stance", "excerpt", "note")


def change_evidence(evidence: Evidence, changes: dict, *, by) -> Evidence:
    """Change the stance, excerpt or note of linked evidence, checking role and freeze."""
    unknown = set(changes) - set(EVIDENCE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"{', '.join(sorted(unknown))} cannot be changed on evidence; link another source instead.")
    with transaction.atomic():
        locked = Claim.all_objects.select_for_update().get(pk=evidence.claim_id)
        check_evidence_editable(locked, by)
        for name, value in changes.items():
            setattr(evidence, name, value)
        evidence.full_clean(exclude=["claim", "source"], validate_unique=False)
        evidence._history_user = by
        evidence.save()
        touch_version(locked, evidence._state.fields_cache.get("claim"))
    return evidence
