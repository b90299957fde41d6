"""Name pickers: find claimants, articles and outlets by the start of their name, and resolve a typed name.

One lookup serves the autocomplete endpoint and the forms, so a name the list
offered is a name the server accepts, with JavaScript on or off. Every lookup is
a case-insensitive prefix match (on PostgreSQL an index on UPPER(column), see
migration 0045), never a scan of the whole table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from tracker.models import Article, Claimant, Outlet

LIMIT = 10
# "Name (#12)": how the list tells apart two things with the same name.
WITH_ID = re.compile(r"^(?P<name>.*?)\s*\(#(?P<pk>\d{1,18})\)\s*$", re.S)


@dataclass(frozen=True)
class Kind:
    model: type
    field: str
    noun: str


KINDS = {
    "claimant": Kind(Claimant, "name", "claimant"),
    "article": Kind(Article, "title", "article"),
    "outlet": Kind(Outlet, "name", "outlet"),
}


def label(kind: Kind, obj) -> str:
    return getattr(obj, kind.field)


def search(kind_name: str, query: str, limit: int = LIMIT) -> list[dict]:
    """Return at most limit {id, name} for names starting with query; names shared by several carry "(#id)"."""
    kind = KINDS[kind_name]
    query = query.replace("\x00", "").strip()
    if not query:
        return []
    rows = list(
        kind.model.objects.filter(**{f"{kind.field}__istartswith": query})
        .order_by(kind.field, "pk")
        .values_list("pk", kind.field)[:limit]
    )
    counts: dict[str, int] = {}
    for _, name in rows:
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    return [
        {"id": pk, "name": name, "value": f"{name} (#{pk})" if counts[name.casefold()] > 1 else name}
        for pk, name in rows
    ]


def resolve(kind_name: str, typed: str, chosen_id: int | None = None):
    """Return the one object typed names (an exact name, "name (#id)", or a unique prefix).

    chosen_id is the id the autocomplete put beside the box; it wins only while
    the box still shows that object's name, so a stale id never filters by a
    name the user has since replaced. Raise ValidationError with what to do otherwise.
    """
    kind = KINDS[kind_name]
    manager = kind.model.objects
    typed = typed.replace("\x00", "").strip()
    match = WITH_ID.match(typed)
    if match:
        obj = manager.filter(pk=int(match["pk"])).first()
        if obj is not None and label(kind, obj).casefold() == match["name"].strip().casefold():
            return obj
        raise ValidationError(f"There is no {kind.noun} “{typed}”.")
    if chosen_id is not None:
        obj = manager.filter(pk=chosen_id).first()
        if obj is not None and label(kind, obj).casefold() == typed.casefold():
            return obj
    # iexact, then istartswith: both are prefix-shaped lookups the index serves.
    exact = list(manager.filter(**{f"{kind.field}__iexact": typed}).order_by("pk")[:2])
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise ValidationError(f"Several {kind.noun}s are called “{typed}”; choose one from the list (it adds the id).")
    starting = list(manager.filter(**{f"{kind.field}__istartswith": typed}).order_by("pk")[:2])
    if len(starting) == 1:
        return starting[0]
    if len(starting) > 1:
        raise ValidationError(f"More than one {kind.noun} starts with “{typed}”; type more of the name.")
    raise ValidationError(f"There is no {kind.noun} called “{typed}”.")
