"""A claim's timeline: its transitions and every field edit of it, its appearances and evidence.

One reading of the history tables for every door: the API's
``claims/{id}/history/``, the claim page's timeline and the admin.
Values are shown the way the API references objects: a rating by slug, a
user by username, tags by name, other objects by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model

from tracker.models import Appearance, Claim, Evidence, Rating, Tag, VerificationEvent

# Claim fields that only the workflow changes; their changes are shown as
# transitions (or trash/restore), never as field edits.
WORKFLOW_FIELDS = {"status", "version", "published_at", "public_snapshot", "last_published_at", "deleted_by"}
CLAIM_FIELDS = ["text", "claimant", "claim_date", "rating", "verdict_summary", "verdict_explanation"]
CLAIM_FIELDS += ["assignee", "priority", "tags"]
APPEARANCE_FIELDS = ["article", "quote", "start", "end", "attribution", "anchor_state"]
EVIDENCE_FIELDS = ["source", "stance", "excerpt", "note"]


@dataclass
class Entry:
    at: datetime
    actor: str | None
    kind: str  # created, edited, transition, trashed, restored, appearance_*, evidence_*
    from_status: str | None = None
    to_status: str | None = None
    note: str = ""
    changes: dict = field(default_factory=dict)
    rating: str | None = None  # a transition's rating at that moment
    object_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "at": self.at,
            "actor": self.actor,
            "kind": self.kind,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "note": self.note,
            "changes": self.changes,
            "rating": self.rating,
        }


class _Names:
    """Turn stored ids into the names the API uses, a query per kind of object."""

    def __init__(self):
        self.users: dict[int, str] = {}
        self.ratings: dict[int, str] = {}
        self.tags: dict[int, str] = {}

    def load(self, user_ids, rating_ids, tag_ids) -> None:
        user_ids = {i for i in user_ids if i is not None}
        rating_ids = {i for i in rating_ids if i is not None}
        tag_ids = {i for i in tag_ids if i is not None}
        if user_ids:
            self.users = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
        if rating_ids:
            self.ratings = dict(Rating.objects.filter(pk__in=rating_ids).values_list("pk", "slug"))
        if tag_ids:
            self.tags = dict(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name"))

    def value(self, name: str, value):
        if value is None:
            return None
        if name in {"assignee", "actor", "added_by"}:
            return self.users.get(value, f"user #{value}")
        if name == "rating":
            return self.ratings.get(value, f"rating #{value}")
        if name == "tags":
            return sorted(self.tags.get(row["tag"], f"tag #{row['tag']}") for row in value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value


def _tag_ids(records) -> set[int]:
    ids = set()
    for record in records:
        ids.update(record.tags.values_list("tag_id", flat=True))
    return ids


def _diff(new, old, fields, names: _Names) -> dict:
    delta = new.diff_against(old, included_fields=fields)
    return {
        change.field: {"old": names.value(change.field, change.old), "new": names.value(change.field, change.new)}
        for change in delta.changes
    }


def _initial(record, fields, names: _Names) -> dict:
    values = {}
    for name in fields:
        if name == "tags":
            continue
        # Foreign keys by their stored id: the related row may be gone.
        value = getattr(record, f"{name}_id") if hasattr(record, f"{name}_id") else getattr(record, name)
        if value not in (None, ""):
            values[name] = {"old": None, "new": names.value(name, value)}
    return values


def claim_timeline(claim: Claim) -> list[Entry]:
    """Return every recorded change of claim, oldest first."""
    claim_records = list(claim.history.order_by("history_date", "history_id"))
    appearance_records = list(Appearance.history.filter(claim_id=claim.pk).order_by("history_date", "history_id"))
    evidence_records = list(Evidence.history.filter(claim_id=claim.pk).order_by("history_date", "history_id"))
    events = list(VerificationEvent.objects.filter(claim=claim).order_by("at", "id"))

    names = _Names()
    all_records = claim_records + appearance_records + evidence_records
    names.load(
        [r.history_user_id for r in all_records]
        + [e.actor_id for e in events]
        + [r.assignee_id for r in claim_records],
        [r.rating_id for r in claim_records] + [e.rating_id for e in events],
        _tag_ids(claim_records),
    )
    entries: list[Entry] = []

    previous = None
    for record in claim_records:
        actor = names.value("actor", record.history_user_id)
        if previous is None:
            entries.append(Entry(record.history_date, actor, "created", changes=_initial(record, CLAIM_FIELDS, names)))
        elif previous.deleted_at is None and record.deleted_at is not None:
            entries.append(Entry(record.history_date, actor, "trashed"))
        elif previous.deleted_at is not None and record.deleted_at is None:
            entries.append(Entry(record.history_date, actor, "restored"))
        else:
            changes = _diff(record, previous, CLAIM_FIELDS, names)
            if changes:
                entries.append(Entry(record.history_date, actor, "edited", changes=changes))
        previous = record

    for kind, records, fields in (
        ("appearance", appearance_records, APPEARANCE_FIELDS),
        ("evidence", evidence_records, EVIDENCE_FIELDS),
    ):
        last_seen = {}
        for record in records:
            actor = names.value("actor", record.history_user_id)
            before = last_seen.get(record.id)
            if record.history_type == "+":
                entry = Entry(record.history_date, actor, f"{kind}_added", changes=_initial(record, fields, names))
            elif record.history_type == "-":
                entry = Entry(record.history_date, actor, f"{kind}_removed", changes=_initial(record, fields, names))
            else:
                changes = _diff(record, before, fields, names) if before is not None else {}
                entry = Entry(record.history_date, actor, f"{kind}_changed", changes=changes) if changes else None
            if entry is not None:
                entry.object_id = record.id
                entries.append(entry)
            last_seen[record.id] = record

    for event in events:
        entries.append(
            Entry(
                event.at,
                names.value("actor", event.actor_id),
                "transition",
                from_status=event.from_status,
                to_status=event.to_status,
                note=event.note,
                rating=names.value("rating", event.rating_id),
            )
        )

    # Within one instant (a transition and the save it caused) show the
    # transition after the edit that led to it: a stable sort by time only.
    entries.sort(key=lambda e: e.at)
    return entries
