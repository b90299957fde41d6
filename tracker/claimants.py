"""Claimants: who made a claim, a person or an organisation (DESIGN §1); the domain for every door."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from tracker import references, roles
from tracker.errors import DeskError
from tracker.models import Claimant
from tracker.reading import anchoring
from tracker.workflow import EditForbidden

# Words that name an organisation rather than a person, in the desk's languages (English, Russian, Ukrainian).
ORGANISATION_WORDS = {
    "administration",
    "agency",
    "air",
    "army",
    "associated",
    "association",
    "bank",
    "bureau",
    "cabinet",
    "center",
    "centre",
    "command",
    "commission",
    "committee",
    "company",
    "congress",
    "corp",
    "corporation",
    "council",
    "court",
    "department",
    "embassy",
    "force",
    "forces",
    "foundation",
    "government",
    "group",
    "guard",
    "headquarters",
    "inc",
    "institute",
    "kremlin",
    "league",
    "ltd",
    "media",
    "military",
    "ministry",
    "navy",
    "news",
    "office",
    "organisation",
    "organization",
    "parliament",
    "party",
    "pentagon",
    "police",
    "post",
    "press",
    "reuters",
    "senate",
    "service",
    "staff",
    "times",
    "tv",
    "union",
    "university",
    "агентство",
    "армия",
    "ведомство",
    "генштаб",
    "кремль",
    "командование",
    "министерство",
    "минобороны",
    "мид",
    "партия",
    "правительство",
    "служба",
    "совет",
    "штаб",
    "міністерство",
    "уряд",
    "сили",
    "військ",
}
# Titles that make a name a person's even beside an organisation word ("Kremlin spokesman Dmitry Peskov").
PERSON_WORDS = {
    "ambassador",
    "chancellor",
    "chief",
    "commander",
    "director",
    "dr",
    "general",
    "governor",
    "minister",
    "mr",
    "mrs",
    "ms",
    "president",
    "prime",
    "secretary",
    "senator",
    "spokesman",
    "spokesperson",
    "spokeswoman",
    "министр",
    "президент",
    "пресс-секретарь",
    "представитель",
    "генерал",
    "глава",
    "міністр",
    "речник",
}
ACRONYM_RE = re.compile(r"^[A-ZА-ЯЁІЇЄ]{2,}$")


class StaleClaimant(DeskError):
    """The claimant changed since the edit form was opened."""

    status = 412

    def __init__(self, current: Claimant):
        super().__init__("Someone changed this claimant since you opened the page; check the values and save again.")
        self.current = current


def guess_kind(name: str) -> str:
    """Guess from a name whether it is a person's or an organisation's (the desk can always correct it)."""
    words = re.findall(r"[\w]+", name or "")
    if not words:
        return Claimant.Kind.PERSON
    lowered = {word.lower() for word in words}
    if lowered & PERSON_WORDS:
        return Claimant.Kind.PERSON
    if words[0].lower() == "the" or any(ACRONYM_RE.match(word) for word in words):
        return Claimant.Kind.ORGANISATION
    if lowered & ORGANISATION_WORDS:
        return Claimant.Kind.ORGANISATION
    return Claimant.Kind.PERSON


def clean_name(name: str) -> str:
    try:
        return " ".join(anchoring.normalise_text(name or "").split())
    except anchoring.InvalidText as exc:
        raise ValidationError({"claimant": str(exc)}) from exc


def find_or_create(name: str, description: str = "", kind: str = "", *, by=None) -> Claimant | None:
    """Return the claimant called name (case-insensitively), creating it when new as kind (guessed when empty)."""
    name = clean_name(name)[:200]
    if not name:
        return None
    # The same lock key as references.claimant_named without a kind, so both doors serialise on one name.
    claimant, _ = references.find_or_create(
        "claimant",
        f":{name.lower()}",
        lambda: Claimant.objects.filter(name__iexact=name).order_by("id").first(),
        lambda: Claimant(name=name, description=(description or "").strip()[:300], kind=kind or guess_kind(name)),
        by,
    )
    return claimant


def revision(claimant: Claimant) -> int:
    """The id of the claimant's latest history record: what an edit form saw."""
    return claimant.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0


def edit(claimant: Claimant, changes: dict, *, by, seen_revision: int) -> Claimant:
    """Change a claimant's name, kind or description, refusing an edit made on a stale page."""
    if not (roles.is_staff_member(by) and by.has_perm("tracker.change_claimant")):
        raise EditForbidden("Your role cannot edit claimants.")
    with transaction.atomic():
        locked = Claimant.objects.select_for_update().get(pk=claimant.pk)
        if revision(locked) != seen_revision:
            raise StaleClaimant(locked)
        for name in ("name", "kind", "description"):
            if name in changes:
                setattr(locked, name, changes[name])
        locked.name = clean_name(locked.name)
        locked.full_clean()
        locked._history_user = by
        locked.save()
    return locked
