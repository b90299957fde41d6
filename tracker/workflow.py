"""The verification workflow (DESIGN §2): the one door for every state change of a claim.

``transition()`` is the only code that assigns ``Claim.status``; ``trash()``
and ``restore()`` are the only code that moves a claim in or out of the
trash. Each locks the claim row, checks, writes its record and bumps
``version`` in one transaction; signals go out after commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from tracker import claimreview, roles, versions
from tracker.errors import DeskError
from tracker.models import Claim, Correction, Rating, StatusCount, VerificationEvent
from tracker.reading import anchoring

Status = Claim.Status

claim_transitioned = Signal()  # sent after commit with claim, event


class WorkflowError(DeskError):
    """A refused change of a claim; the message is meant for the person who asked."""


class TransitionNotAllowed(WorkflowError):
    """The move is not in the transition table for the claim's status (HTTP 409)."""

    def __init__(self, message: str, allowed: list[str]):
        super().__init__(message)
        self.allowed = allowed

    def payload(self) -> dict:
        return {"allowed": self.allowed}


class PreconditionFailed(TransitionNotAllowed):
    """The move is in the table but the claim is not ready for it (HTTP 409)."""

    def __init__(self, message: str, allowed: list[str], reasons: list[str]):
        super().__init__(message, allowed)
        self.reasons = reasons

    def payload(self) -> dict:
        return {"allowed": self.allowed, "reasons": self.reasons}


class TransitionForbidden(WorkflowError):
    """The user's role may not make this move (HTTP 403)."""

    status = 403


class FourEyesViolation(TransitionForbidden):
    """The reviewer who publishes must not be the person who sent the claim to review."""


class NoteRequired(WorkflowError):
    """The move needs a note saying why (HTTP 400 on ``note``)."""

    status = 400
    field = "note"


class InvalidNote(NoteRequired):
    """The note cannot be stored as given, e.g. it holds a NUL byte (HTTP 400 on ``note``, like NoteRequired)."""


class EditForbidden(WorkflowError):
    """The user may not change this claim (HTTP 403)."""

    status = 403


class ClaimFrozen(WorkflowError):
    """Verdict fields and text change only while a claim is new or researching (HTTP 409)."""


class StaleVersion(WorkflowError):
    """The claim changed since the caller read it (HTTP 412); ``current`` is the claim as it is now."""

    status = 412

    def __init__(self, current: Claim, seen: int | None = None):
        super().__init__(
            f"This claim was changed by someone else (it is now at version {current.version}); "
            "reload it and apply your change again."
        )
        self.current = current
        self.seen = seen  # the version the caller read, when it said


@dataclass(frozen=True)
class Rule:
    review: bool = False  # only reviewers (review_claim), else editors and reviewers (transition_claim)
    note_required: bool = False
    four_eyes: bool = False
    needs_verdict: bool = False
    note_label: str = ""


TRANSITIONS: dict[tuple[str, str], Rule] = {
    (Status.NEW, Status.RESEARCHING): Rule(),
    (Status.NEW, Status.DISMISSED): Rule(note_required=True, note_label="why it is not checkable"),
    (Status.RESEARCHING, Status.IN_REVIEW): Rule(needs_verdict=True),
    (Status.RESEARCHING, Status.DISMISSED): Rule(note_required=True, note_label="why it is not checkable"),
    (Status.IN_REVIEW, Status.PUBLISHED): Rule(review=True, four_eyes=True),
    (Status.IN_REVIEW, Status.RESEARCHING): Rule(review=True, note_required=True, note_label="why it is sent back"),
    (Status.PUBLISHED, Status.RESEARCHING): Rule(note_required=True, note_label="what is being corrected"),
    (Status.DISMISSED, Status.NEW): Rule(),
}


def _label(status) -> str:
    """Return a status as people read it ("in review"), or the value itself when it is no status."""
    try:
        return Status(status).label.lower()
    except ValueError:
        return str(status)[:40]


def allowed_targets(status: str) -> list[str]:
    """Return the statuses the transition table allows from status, in table order."""
    return [to for (frm, to) in TRANSITIONS if frm == status]


def sent_to_review_by(claim: Claim):
    """Return the user id who last sent the claim to review, or None."""
    return (
        VerificationEvent.objects.filter(claim=claim, to_status=Status.IN_REVIEW)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )


def verdict_problems(claim: Claim) -> list[str]:
    """Return what a claim lacks before it can go to review."""
    problems = []
    if claim.rating_id is None:
        problems.append("a rating")
    if not claim.verdict_summary.strip():
        problems.append("a verdict summary")
    if not claim.evidence.exists():
        problems.append("at least one piece of evidence")
    # What a ClaimReview must have is checked here, not at publish (DESIGN §2):
    # a claim that reached review can always be published.
    problems.extend(p for p in claimreview.required_problems(claim) if p != "a rating (reviewRating)")
    return problems


def check_transition(claim: Claim, to: str, user, note: str = "", *, as_system: bool = False) -> Rule:
    """Raise the WorkflowError that refuses this move, or return its rule.

    as_system skips the role checks (not the table, notes or preconditions);
    it is for data-loading commands that act for no person.
    """
    allowed = allowed_targets(claim.status)
    if claim.in_trash:
        raise TransitionNotAllowed("The claim is in the trash; restore it first.", [])
    # A target from JSON may be any value; only strings can name a status.
    rule = TRANSITIONS.get((claim.status, to)) if isinstance(to, str) else None
    if as_system:
        if rule is None:
            raise TransitionNotAllowed(f"A claim cannot go from {_label(claim.status)} to {_label(to)}.", allowed)
        user = None
    elif not (roles.can_transition(user) or roles.can_review(user)):
        raise TransitionForbidden("Your role cannot move claims through the workflow.")
    if rule is None:
        names = ", ".join(_label(a) for a in allowed) or "none"
        frm = _label(claim.status)
        raise TransitionNotAllowed(
            f"A claim cannot go from {frm} to {_label(to)}. Allowed from {frm}: {names}.", allowed
        )
    if not as_system:
        if rule.review and not roles.can_review(user):
            raise TransitionForbidden(f"Only a reviewer can move a claim from {_label(claim.status)} to {_label(to)}.")
        if not rule.review and not roles.can_transition(user):
            raise TransitionForbidden(f"Your role cannot move a claim from {_label(claim.status)} to {_label(to)}.")
    if rule.four_eyes and user is not None and sent_to_review_by(claim) == user.pk:
        raise FourEyesViolation("You sent this claim to review; a second person must publish it.")
    if rule.note_required and not note.strip():
        raise NoteRequired(f"A note is required: say {rule.note_label}.")
    if rule.needs_verdict:
        problems = verdict_problems(claim)
        if problems:
            raise PreconditionFailed(
                f"Before review the claim needs {', '.join(problems)}.", allowed, reasons=problems
            )
    return rule


def available_transitions(claim: Claim, user) -> list[tuple[str, str | None]]:
    """Return (target, reason it is unavailable or None) for each move the table allows now."""
    result = []
    for to in allowed_targets(claim.status):
        try:
            check_transition(claim, to, user, note="(checked without a note)")
        except WorkflowError as exc:
            result.append((to, str(exc)))
        else:
            result.append((to, None))
    return result


def lock_claim(claim: Claim, expected_version: int | None) -> Claim:
    """Return claim re-read under a row lock, refusing with StaleVersion when it moved on.

    A claim the caller already read under its lock in the transaction now open (versions.read_locked,
    mark_locked) is not read again (see ClaimViewSet.get_object).
    """
    if getattr(claim, "_locked_in", None) is not None and _still_open(claim._locked_in):
        locked = claim
    else:
        locked = versions.read_locked(claim.pk, using=claim._state.db or "default")
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked, seen=expected_version)
    return locked


def _still_open(block) -> bool:
    return any(open_block is block for open_block in transaction.get_connection().atomic_blocks)


def claim_transaction(claim: Claim):
    """The atomic block of a change to claim: without a savepoint of its own when the caller locked the claim.

    The caller's transaction (ClaimViewSet's) then holds the whole change, and
    any refusal rolls it back there; a savepoint would cost two more statements.
    """
    pre_locked = getattr(claim, "_locked_in", None) is not None and _still_open(claim._locked_in)
    return transaction.atomic(savepoint=not pre_locked)


def mark_locked(claim: Claim) -> Claim:
    """Note that claim was just read under its lock (versions.read_locked) in the innermost atomic block, so
    lock_claim keeps it."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("A row lock lasts only as long as the transaction: open one first.")
    claim._locked_in = connection.atomic_blocks[-1]
    return claim


def save_new_version(
    claim: Claim,
    by,
    reason: str = "",
    *,
    searched_fields_changed: bool = True,
    fields: list[str] | None = None,
    created: list | tuple = (),
    shift: dict[str, int] | None = None,
) -> None:
    """Save a locked claim as its next version, recording by in the history.

    searched_fields_changed=False says nothing its search document is made of changed, so it is not rebuilt.
    fields names the fields that changed: then the save may be one statement (tracker.versions). created: new
    rows saved with it (a transition's event); shift: the StatusCount deltas it makes.
    """
    claim._search_unchanged = not searched_fields_changed
    claim.version += 1
    claim._history_user = by
    claim._change_reason = _fit_change_reason(reason) or None
    if fields is not None and not searched_fields_changed and versions.available(claim):
        versions.write(claim, fields, reason=claim._change_reason, created=list(created), shift=shift)
        return
    for obj in created:
        obj.save()
    claim.save()
    if shift:
        StatusCount.objects.shift(shift)


def _fit_change_reason(reason: str) -> str:
    # simple-history stores the reason in a varchar(100); PostgreSQL refuses a
    # longer one (a long transition note). The full note is on the event.
    limit = versions.history_model()._meta.get_field("history_change_reason").max_length
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


def build_snapshot(claim: Claim, published_at) -> dict:
    """Copy what the public may see of the claim as it stands now."""
    return snapshot_of(
        claim,
        published_at,
        bounds=Rating.scale_bounds(),
        tags=[tag.name for tag in claim.tags.all()],
        evidence=list(claim.evidence.select_related("source")),
        appearances=list(claim.appearances.select_related("article__outlet")),
    )


def snapshot_of(claim: Claim, published_at, *, bounds, tags, evidence, appearances) -> dict:
    """The snapshot of claim from its parts as given (no queries): build_snapshot reads them, bench.fill makes them."""
    rating = claim.rating
    appearances = sorted(appearances, key=lambda a: a.chronological_key(a))
    claimant = claim.claimant
    first_published = claim.published_at or published_at
    return {
        "version": claim.version + 1,
        "text": claim.text,
        "claim_date": claim.claim_date.isoformat() if claim.claim_date else None,
        "claimant": None
        if claimant is None
        else {"name": claimant.name, "kind": claimant.kind, "description": claimant.description},
        "rating": None
        if rating is None
        else {
            "id": rating.pk,
            "slug": rating.slug,
            "label": rating.label,
            "value": rating.value,
            "description": rating.description,
            "worst": bounds[0] if bounds and rating.value is not None else None,
            "best": bounds[1] if bounds and rating.value is not None else None,
        },
        "verdict_summary": claim.verdict_summary,
        "verdict_explanation": claim.verdict_explanation,
        "tags": sorted(tags),
        "evidence": [
            {
                "stance": ev.stance,
                "excerpt": ev.excerpt,
                "source": {
                    "id": ev.source_id,
                    "url": ev.source.url,
                    "title": ev.source.title,
                    "publisher": ev.source.publisher,
                    "kind": ev.source.kind,
                    "published_at": ev.source.published_at.isoformat() if ev.source.published_at else None,
                    "archive_url": ev.source.archive_url,
                },
            }
            for ev in evidence
        ],
        "appearances": [
            {
                "article": {
                    "id": a.article_id,
                    "title": a.article.title,
                    "url": a.article.url,
                    "outlet": a.article.outlet.name if a.article.outlet else None,
                    "published_at": a.article.published_at.isoformat() if a.article.published_at else None,
                    "language": a.article.language,
                },
                "quote": a.quote,
                "attribution": a.attribution,
            }
            for a in appearances
        ],
        "published_at": first_published.isoformat(),
        "updated_at": published_at.isoformat(),
    }


def _publish(claim: Claim, by, note: str, event: VerificationEvent) -> None:
    now = event.at
    previous = claim.public_snapshot
    snapshot = build_snapshot(claim, now)
    if previous is not None:
        old = previous.get("rating") or {}
        # By id when the snapshot has it: an admin may rename a rating's slug
        # or label later, which changes no verdict.
        if old.get("id") is not None:
            old_rating = Rating.objects.filter(pk=old["id"]).first()
        else:
            old_rating = Rating.objects.filter(slug=old["slug"]).first() if old.get("slug") else None
        rating_changed = (old_rating.pk if old_rating else None) != claim.rating_id
        if rating_changed or note.strip():
            text = note.strip() or (f"The rating changed from “{old.get('label', 'none')}” to “{claim.rating.label}”.")
            Correction.objects.create(
                claim=claim, at=now, note=text, previous_rating=old_rating, new_rating=claim.rating, event=event
            )
    claim.public_snapshot = snapshot
    claim.last_published_at = now
    if claim.published_at is None:
        claim.published_at = now


def clean_note(note) -> str:
    """Return a transition note ready to store (normalised, stripped), or raise InvalidNote."""
    if note is None:
        return ""
    if not isinstance(note, str):
        raise InvalidNote("The note must be text.")
    try:
        return anchoring.normalise_text(note).strip()
    except anchoring.InvalidText as exc:
        raise InvalidNote(f"The note cannot be stored: {exc}") from exc


def transition(
    claim: Claim,
    *,
    to: str,
    by,
    note: str = "",
    expected_version: int | None = None,
    as_system: bool = False,
) -> Claim:
    """Move claim to status ``to`` on behalf of ``by`` and return the updated claim.

    Raise a WorkflowError subclass when the move is refused; nothing is
    written then. With expected_version, refuse with StaleVersion when the
    claim has changed since the caller read it. as_system (by=None) is for
    data-loading commands only: see check_transition.
    """
    note = clean_note(note)
    if by is None and not as_system:
        raise TransitionForbidden("Log in to move claims through the workflow.")
    if not as_system and not (roles.can_transition(by) or roles.can_review(by)):
        # Before the version check: a role that can move nothing learns nothing about versions.
        raise TransitionForbidden("Your role cannot move claims through the workflow.")
    with claim_transaction(claim):
        locked = lock_claim(claim, expected_version)
        check_transition(locked, to, by, note, as_system=as_system)
        from_status = locked.status
        event = VerificationEvent(
            claim=locked,
            from_status=from_status,
            to_status=to,
            actor=by,
            at=timezone.now(),
            note=note.strip(),
            rating=locked.rating,
            version=locked.version + 1,
        )
        if to == Status.PUBLISHED:
            event.save()  # the correction _publish may write refers to it
            _publish(locked, by, note, event)
            fields, created = None, ()
        else:
            fields, created = ["status"], [event]
        locked.status = to
        save_new_version(
            locked,
            by,
            reason=f"{from_status} → {to}" + (f": {note.strip()}" if note.strip() else ""),
            searched_fields_changed=False,
            fields=fields,
            created=created,
            shift={from_status: -1, to: +1},
        )
        transaction.on_commit(lambda: claim_transitioned.send(sender=Claim, claim=locked, event=event))
    return locked


def trash(claim: Claim, *, by, expected_version: int | None = None) -> Claim:
    """Move claim to the trash; it stays restorable with all its history."""
    # The role first: someone who may not trash learns nothing about versions.
    if not roles.can_trash(by):
        raise EditForbidden("Your role cannot move claims to the trash.")
    with claim_transaction(claim):
        locked = lock_claim(claim, expected_version)
        if locked.in_trash:
            raise TransitionNotAllowed("The claim is already in the trash.", [])
        locked.deleted_at = timezone.now()
        locked.deleted_by = by
        save_new_version(
            locked,
            by,
            reason="moved to the trash",
            searched_fields_changed=False,
            fields=["deleted_at", "deleted_by"],
            shift={locked.status: -1},
        )
    return locked


def restore(claim: Claim, *, by, expected_version: int | None = None) -> Claim:
    """Bring claim back from the trash, in the status it had."""
    if not roles.can_trash(by):
        raise EditForbidden("Your role cannot restore claims from the trash.")
    with claim_transaction(claim):
        locked = lock_claim(claim, expected_version)
        if not locked.in_trash:
            raise TransitionNotAllowed("The claim is not in the trash.", allowed_targets(locked.status))
        locked.deleted_at = None
        locked.deleted_by = None
        save_new_version(
            locked,
            by,
            reason="restored from the trash",
            searched_fields_changed=False,
            fields=["deleted_at", "deleted_by"],
            shift={locked.status: +1},
        )
    return locked
