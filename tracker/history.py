"""A claim's timeline: its transitions and every field edit of it, its appearances and evidence.

One reading of the history tables for every door: the API's
``claims/{id}/history/``, the claim page's timeline and the admin.
Values are shown the way the API references objects: a rating by slug, a
user by username, tags by name, other objects by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model

from tracker.models import Appearance, Claim, Evidence, Rating, Tag, VerificationEvent

# Claim fields that only the workflow changes; their changes are shown as
# transitions (or trash/restore), never as field edits.
WORKFLOW_FIELDS = {"status", "version", "published_at", "public_snapshot", "last_published_at", "deleted_by"}
CLAIM_FIELDS = ["text", "claimant", "claim_date", "rating", "verdict_summary", "verdict_explanation"]
CLAIM_FIELDS += ["assignee", "priority", "tags"]
# Every stored field but tags: a record differing from the one before in none
# of these only completes a tag change (see _claim_changes).
NON_TAG_FIELDS = CLAIM_FIELDS[:-1] + ["status", "version", "deleted_at", "public_snapshot"]
FOLLOW_UP = timedelta(seconds=2)
APPEARANCE_FIELDS = ["article", "quote", "start", "end", "attribution", "anchor_state"]
EVIDENCE_FIELDS = ["source", "stance", "excerpt", "note"]


KIND_LABELS = {
    "created": "Logged",
    "edited": "Edited",
    "transition": "Status changed",
    "trashed": "Moved to the trash",
    "restored": "Restored from the trash",
    "merged": "Another claim merged into this one",
    "appearance_added": "Appearance added",
    "appearance_changed": "Appearance changed",
    "appearance_removed": "Appearance removed",
    "evidence_added": "Evidence added",
    "evidence_changed": "Evidence changed",
    "evidence_removed": "Evidence removed",
}


@dataclass
class Entry:
    at: datetime
    actor: str | None
    kind: str  # created, edited, transition, trashed, restored, merged, appearance_*, evidence_*
    from_status: str | None = None
    to_status: str | None = None
    note: str = ""
    changes: dict = field(default_factory=dict)
    rating: str | None = None  # a transition's rating at that moment
    object_id: int | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

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
        if name == "tag":
            return self.tags.get(value, f"tag #{value}")
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value


def _tag_ids_by_record(records) -> dict[int, list[int]]:
    """Return each claim history record's tag ids, in one query."""
    if not records:
        return {}
    through = type(records[0]).tags.model
    by_record: dict[int, list[int]] = {record.history_id: [] for record in records}
    rows = through.objects.filter(history_id__in=by_record).values_list("history_id", "tag_id")
    for history_id, tag_id in rows:
        by_record[history_id].append(tag_id)
    return by_record


def _value_of(record, name: str):
    # Foreign keys by their stored id: the related row may be gone.
    attname = f"{name}_id" if hasattr(record, f"{name}_id") else name
    return getattr(record, attname)


def _diff(new, old, fields, names: _Names, tags: dict | None = None) -> dict:
    """Return {field: {old, new}} for the fields that differ between two history records.

    Compared by hand rather than with diff_against(), which skips fields that
    are not editable in forms (such as an appearance's anchor_state).
    """
    changes = {}
    for name in fields:
        if name == "tags":
            before = sorted(names.value("tag", i) for i in tags.get(old.history_id, []))
            after = sorted(names.value("tag", i) for i in tags.get(new.history_id, []))
        else:
            before = names.value(name, _value_of(old, name))
            after = names.value(name, _value_of(new, name))
        if before != after:
            changes[name] = {"old": before, "new": after}
    return changes


def _initial(record, fields, names: _Names, tags: dict | None = None) -> dict:
    values = {}
    for name in fields:
        if name == "tags":
            value = sorted(names.value("tag", i) for i in tags.get(record.history_id, []))
            if value:
                values[name] = {"old": None, "new": value}
            continue
        value = _value_of(record, name)
        if value not in (None, ""):
            values[name] = {"old": None, "new": names.value(name, value)}
    return values


def _claim_changes(records, names: _Names) -> list[list]:
    """Group claim history records into the changes a person made.

    Saving a form writes the claim row and then its tags, each with a history
    record of its own (Django sets many-to-many fields after the save, removing
    then adding). A record that changes nothing but tags, written by the same
    person moments after the previous one, completes that change.
    """
    groups: list[list] = []
    for record in records:
        if groups:
            previous = groups[-1][-1]
            if (
                record.history_user_id == previous.history_user_id
                and record.history_date - previous.history_date <= FOLLOW_UP
                and not _diff(record, previous, NON_TAG_FIELDS, names)
            ):
                groups[-1].append(record)
                continue
        groups.append([record])
    return groups


def claim_timeline(claim: Claim) -> list[Entry]:
    """Return every recorded change of claim, oldest first."""
    claim_records = list(claim.history.order_by("history_date", "history_id"))
    appearance_records = list(Appearance.history.filter(claim_id=claim.pk).order_by("history_date", "history_id"))
    evidence_records = list(Evidence.history.filter(claim_id=claim.pk).order_by("history_date", "history_id"))
    events = list(VerificationEvent.objects.filter(claim=claim).order_by("at", "id"))

    names = _Names()
    all_records = claim_records + appearance_records + evidence_records
    tags = _tag_ids_by_record(claim_records)
    names.load(
        [r.history_user_id for r in all_records]
        + [e.actor_id for e in events]
        + [r.assignee_id for r in claim_records],
        [r.rating_id for r in claim_records] + [e.rating_id for e in events],
        {tag_id for ids in tags.values() for tag_id in ids},
    )
    entries: list[Entry] = []

    base = None  # the record the next change is measured from
    for group in _claim_changes(claim_records, names):
        first, last = group[0], group[-1]
        actor = names.value("actor", first.history_user_id)
        if base is None:
            changes = _initial(last, CLAIM_FIELDS, names, tags)
            entries.append(Entry(first.history_date, actor, "created", changes=changes))
        elif base.deleted_at is None and last.deleted_at is not None:
            # A merge trashes the claim it merges: the note says where its appearances went.
            note = last.history_change_reason or ""
            entries.append(Entry(first.history_date, actor, "trashed", note=note if note.startswith("merged") else ""))
        elif base.deleted_at is not None and last.deleted_at is None:
            entries.append(Entry(first.history_date, actor, "restored"))
        else:
            changes = _diff(last, base, CLAIM_FIELDS, names, tags)
            reason = last.history_change_reason or ""
            if reason.startswith("merged #"):
                entries.append(Entry(first.history_date, actor, "merged", note=reason))
            elif changes:
                entries.append(Entry(first.history_date, actor, "edited", changes=changes))
        base = last

    for kind, records, fields in (
        ("appearance", appearance_records, APPEARANCE_FIELDS),
        ("evidence", evidence_records, EVIDENCE_FIELDS),
    ):
        last_seen = {}
        for record in records:
            actor = names.value("actor", record.history_user_id)
            before = last_seen.get(record.id)
            if record.history_type == "+":
                changes = _initial(record, fields, names)
                entry = Entry(record.history_date, actor, f"{kind}_added", changes=changes)
            elif record.history_type == "-":
                changes = _initial(record, fields, names)
                entry = Entry(record.history_date, actor, f"{kind}_removed", changes=changes)
            elif before is None:
                # Moved here from another claim (a merge): to this claim it is new.
                changes = _initial(record, fields, names)
                entry = Entry(record.history_date, actor, f"{kind}_added", changes=changes)
                entry.note = record.history_change_reason or ""
            else:
                changes = _diff(record, before, fields, names)
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
