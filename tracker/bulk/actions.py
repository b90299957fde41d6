"""Bulk actions on claims from the queue: each claim goes through the domain on its own.

A batch is not one transaction: every claim is checked, locked and changed as
if it were the only one (its version, the role, the workflow table), so one
refused claim never undoes or blocks the others, and the person is told, claim
by claim, what was done and what was refused and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from tracker import claims, workflow
from tracker.errors import DeskError
from tracker.models import Claim

MAX_CLAIMS = 200
ACTIONS = {
    "assign": "Assign to",
    "priority": "Set priority",
    "tag": "Add tag",
    "transition": "Move to",
    "trash": "Move to the trash",
}


@dataclass
class Outcome:
    claim_id: int
    text: str = ""
    reason: str = ""


@dataclass
class BulkResult:
    done: list[Outcome] = field(default_factory=list)
    refused: list[Outcome] = field(default_factory=list)


def _apply_one(claim: Claim, action: str, *, by, version: int | None, value, note: str) -> None:
    if action == "assign":
        claims.edit_claim(claim, {"assignee": value}, by=by, expected_version=version)
    elif action == "priority":
        claims.edit_claim(claim, {"priority": value}, by=by, expected_version=version)
    elif action == "tag":
        names = [t.name for t in claim.tags.all()]
        claims.edit_claim(claim, {"tags": [*names, value]}, by=by, expected_version=version)
    elif action == "transition":
        workflow.transition(claim, to=value, by=by, note=note, expected_version=version)
    elif action == "trash":
        workflow.trash(claim, by=by, expected_version=version)
    else:
        raise ValueError(f"Unknown bulk action {action!r}.")


def apply(action: str, selection: dict[int, int | None], *, by, value=None, note: str = "") -> BulkResult:
    """Apply action to each selected claim ({id: version seen, or None}); return what was done and refused."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown bulk action {action!r}.")
    if len(selection) > MAX_CLAIMS:
        raise ValidationError(f"Select at most {MAX_CLAIMS} claims for one bulk action.")
    result = BulkResult()
    found = {c.pk: c for c in Claim.objects.filter(pk__in=list(selection))}
    for claim_id, version in selection.items():
        claim = found.get(claim_id)
        if claim is None:
            result.refused.append(Outcome(claim_id, reason="not found (deleted or moved to the trash meanwhile)"))
            continue
        try:
            _apply_one(claim, action, by=by, version=version, value=value, note=note)
        except workflow.StaleVersion:
            reason = "it changed since the queue was shown; look at it again"
            result.refused.append(Outcome(claim_id, str(claim), reason))
        except DeskError as exc:
            result.refused.append(Outcome(claim_id, str(claim), str(exc)))
        except ValidationError as exc:
            result.refused.append(Outcome(claim_id, str(claim), " ".join(exc.messages)))
        else:
            result.done.append(Outcome(claim_id, str(claim)))
    return result
