"""Find stored quotes again after an article's text changed (DESIGN §7).

Each quote ends in one of four states:

- ``anchored``: the same words at the same offsets;
- ``moved``: the same words elsewhere (text was inserted or deleted before
  them, a paragraph moved, or only whitespace inside them changed);
- ``changed``: found where the words now differ a little (a typo fixed, a
  name respelled): the appearance follows the new words and the desk is asked
  to confirm;
- ``orphaned``: no longer in the text.

How a quote is found again, cheapest first:

1. When the old text is known (every edit through tracker.articles knows it),
   the two texts are diffed (paragraphs, then words, then characters inside
   small changed regions). A quote whose characters all stand in one
   unchanged stretch is carried over to where that stretch now stands: this
   is certain, and it is what happens to nearly every quote of an edit.
2. Otherwise candidates are gathered: every exact occurrence, occurrences
   that differ only in whitespace, and the best approximate match within a
   bounded edit distance (at most a quarter of the quote, at most 40
   characters) around where the diff says the quote should now be and, when
   nothing better exists, anywhere in the text.
3. Each candidate is scored on three things together: how close its words are
   to the quote (edit distance), how well the text before and after it
   matches the remembered context (the stored prefix and suffix), and how near
   it is to the expected position. A candidate too weak on every count is not
   a placement: the quote is orphaned rather than guessed. A placement that is
   plausible but not convincing (a short quote found only at another of its
   occurrences, with little of its context) is kept and flagged with
   ``needs_confirmation`` for the desk to check, like every ``changed`` one.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from tracker.reading.anchoring import CONTEXT_LENGTH, Anchor, context, occurrences

ANCHORED = "anchored"
MOVED = "moved"
CHANGED = "changed"
ORPHANED = "orphaned"

# A quote this long whose characters stand in one unchanged stretch is the same quote.
CERTAIN_LENGTH = 16
# A shorter one also needs this much unchanged text around it (a lone "yes" can be aligned by chance).
CERTAIN_MARGIN = 8
# Regions larger than these are not diffed more finely (the search below still finds the quotes in them).
MAX_TOKENS = 6000
# Quotes up to this long are searched exhaustively around where they should be.
SHORT_QUOTE = 24
MAX_CHARS = 800
_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")
_SPACE_RE = re.compile(r"\s+")
# Whitespace between two word characters separates words; anywhere else (after a full stop, say) it is spacing.
_WORD_GAP_RE = re.compile(r"(?<=\w)\s+(?=\w)")
# Two occurrences of the same words this close (a space, a comma) cannot be told apart once one is edited.
TWIN_GAP = 3


@dataclass(frozen=True)
class StoredQuote:
    """What an appearance remembers of its quote; group names who owns it (one span per group)."""

    quote: str
    start: int
    end: int
    prefix: str = ""
    suffix: str = ""
    group: object = None


@dataclass(frozen=True)
class Placement:
    """Where a stored quote stands in the new text, and how sure that is."""

    state: str
    anchor: Anchor | None
    confidence: float
    needs_confirmation: bool = False
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.anchor is not None


# ---------------------------------------------------------------- the diff


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text)


def _chars(text: str) -> list[str]:
    return list(text)


_LEVELS = (_lines, _tokens, _chars)


class TextDiff:
    """The unchanged stretches between an old and a new text, to carry offsets across."""

    def __init__(self, old: str, new: str):
        self.old = old
        self.new = new
        blocks: list[tuple[int, int, int]] = []
        self._align(old, new, 0, 0, 0, blocks)
        blocks.sort()
        self.blocks = blocks
        self._starts = [b[0] for b in blocks]
        self._by_new = sorted((n, o, size) for o, n, size in blocks)
        self._new_starts = [b[0] for b in self._by_new]

    def _align(self, old: str, new: str, o0: int, n0: int, level: int, out: list) -> None:
        units_old, units_new = _LEVELS[level](old), _LEVELS[level](new)
        if level == 1 and max(len(units_old), len(units_new)) > MAX_TOKENS:
            return
        matcher = SequenceMatcher(None, units_old, units_new, autojunk=False)
        old_at = _cumulative(units_old)
        new_at = _cumulative(units_new)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            a1, a2, b1, b2 = old_at[i1], old_at[i2], new_at[j1], new_at[j2]
            if tag == "equal":
                out.append((o0 + a1, n0 + b1, a2 - a1))
            elif tag == "replace" and level < 2:
                if level == 1 and max(a2 - a1, b2 - b1) > MAX_CHARS:
                    continue
                self._align(old[a1:a2], new[b1:b2], o0 + a1, n0 + b1, level + 1, out)

    def carry(self, start: int, end: int) -> tuple[int, int] | None:
        """Return (new start, unchanged characters around the span) when [start, end) is unchanged, else None."""
        i = bisect.bisect_right(self._starts, start) - 1
        if i < 0:
            return None
        old_start, new_start, size = self.blocks[i]
        if end > old_start + size:
            return None
        return new_start + (start - old_start), max(start - old_start, old_start + size - end)

    def carry_back(self, start: int, end: int) -> int | None:
        """Return the old start of new span [start, end) when it stands in an unchanged stretch, else None."""
        i = bisect.bisect_right(self._new_starts, start) - 1
        if i < 0:
            return None
        new_start, old_start, size = self._by_new[i]
        if end > new_start + size:
            return None
        return old_start + (start - new_start)

    def map(self, offset: int) -> int:
        """Return where offset of the old text now is: exact inside an unchanged stretch, interpolated between."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0:
            old_start, new_start, size = self.blocks[i]
            if offset < old_start + size:
                return new_start + (offset - old_start)
            before_old, before_new = old_start + size, new_start + size
        else:
            before_old = before_new = 0
        if i + 1 < len(self.blocks):
            after_old, after_new = self.blocks[i + 1][0], self.blocks[i + 1][1]
        else:
            after_old, after_new = len(self.old), len(self.new)
        span_old = max(1, after_old - before_old)
        return before_new + round((offset - before_old) * (after_new - before_new) / span_old)


def _cumulative(units: Sequence[str]) -> list[int]:
    at = [0]
    for unit in units:
        at.append(at[-1] + len(unit))
    return at


# ---------------------------------------------------------------- candidates


@dataclass
class _Text:
    """The new text with lazily built helpers shared by every quote."""

    body: str
    _squeezed: tuple[str, list[int]] | None = field(default=None, repr=False)

    def squeezed(self) -> tuple[str, list[int]]:
        """Return the body without whitespace, and each remaining character's offset in the body."""
        if self._squeezed is None:
            keep = [i for i, c in enumerate(self.body) if not c.isspace()]
            self._squeezed = ("".join(self.body[i] for i in keep), keep)
        return self._squeezed


@dataclass
class _Candidate:
    start: int
    end: int
    distance: int  # edit distance of the words (0 when only whitespace differs)
    twin: bool = False  # the same words stood right next to the quote, and the diff took this for them
    score: float = 0.0
    context: float = 0.0
    position: float = 0.0


def _squeeze(text: str) -> str:
    return _SPACE_RE.sub("", text)


def _spacing_distance(quote: str, found: str) -> int:
    """Edits between two texts equal but for whitespace: words run together or split apart count, spacing not."""

    def words(text: str) -> str:
        return _SPACE_RE.sub("", _WORD_GAP_RE.sub("\x00", text))

    return Levenshtein.distance(words(quote), words(found))


def max_errors(quote: str) -> int:
    """The most edits a quote may have undergone and still be found: a quarter of it, between 1 and 40."""
    return max(1, min(40, math.ceil(len(_squeeze(quote)) / 4)))


def _best_span_near(
    body: str,
    quote: str,
    start: int,
    end: int,
    slack: int,
    bounded: tuple[bool, bool] = (False, False),
    around: tuple[str, str] = ("", ""),
) -> tuple[int, int, int]:
    """Return (start, end, edit distance) of the closest substring of body to quote near [start, end).

    Of equally close ones, the one that does not cut a word the quote did not cut, that ends as the quote
    does, that stands between what stood before and after the quote (around), then the one nearest the
    quote's length.
    """
    best_key = None
    best = (start, end, len(quote))
    for a in range(max(0, start - slack), min(len(body), start + slack) + 1):
        for b in range(max(a + 1, end - slack), min(len(body), end + slack) + 1):
            cutoff = best[2] if best_key is not None else len(quote)
            d = Levenshtein.distance(quote, body[a:b], score_cutoff=cutoff)
            key = (
                d,
                _cuts(body, a, b, bounded),
                _edges(body, a, b, quote),
                _context_unlike(body, a, b, around),
                abs((b - a) - len(quote)),
                abs(a - start),
            )
            if best_key is None or key < best_key:
                best_key, best = key, (a, b, d)
    return best


def _fuzzy(
    body: str,
    quote: str,
    lo: int,
    hi: int,
    limit: int,
    bounded: tuple[bool, bool] = (False, False),
    around: tuple[str, str] = ("", ""),
) -> _Candidate | None:
    """Return the best approximate match of quote within body[lo:hi] if it is within limit edits."""
    lo, hi = max(0, lo), min(len(body), hi)
    if hi - lo < 1:
        return None
    window = body[lo:hi]
    alignment = fuzz.partial_ratio_alignment(quote, window)
    if alignment is None or alignment.score == 0:
        return None
    if len(quote) <= len(window):
        a, b = lo + alignment.dest_start, lo + alignment.dest_end
    else:  # rapidfuzz aligns the shorter string inside the longer one
        a, b = lo, hi
    a, b, d = _best_span_near(body, quote, a, b, slack=3, bounded=bounded, around=around)
    a, b = _trim(body, a, b, quote)
    d = Levenshtein.distance(quote, body[a:b])
    if d > limit or b <= a:
        return None
    return _Candidate(a, b, d)


def _trim(body: str, a: int, b: int, quote: str) -> tuple[int, int]:
    """Drop whitespace the match picked up at either end that the quote does not have."""
    while a < b and body[a].isspace() and not quote[:1].isspace():
        a += 1
    while b > a and body[b - 1].isspace() and not quote[-1:].isspace():
        b -= 1
    return a, b


def _bounded(stored: StoredQuote) -> tuple[bool, bool]:
    """Whether the quote began and ended at word boundaries where it was anchored."""
    quote = stored.quote
    start = not (quote[:1].isalnum() and stored.prefix[-1:].isalnum())
    end = not (quote[-1:].isalnum() and stored.suffix[:1].isalnum())
    return start, end


def _cuts(body: str, a: int, b: int, bounded: tuple[bool, bool]) -> int:
    """Count the ends of body[a:b] that cut a word where the quote did not."""
    cut_start = bounded[0] and 0 < a < len(body) and body[a - 1].isalnum() and body[a].isalnum()
    cut_end = bounded[1] and 0 < b < len(body) and body[b - 1].isalnum() and body[b].isalnum()
    return int(cut_start) + int(cut_end)


def _edges(body: str, a: int, b: int, quote: str) -> int:
    """Count the ends of body[a:b] whose character differs from the quote's (a match should end as the quote does)."""
    return int(body[a : a + 1] != quote[:1]) + int(body[b - 1 : b] != quote[-1:])


def _context_unlike(body: str, a: int, b: int, around: tuple[str, str]) -> int:
    """Edits between the text just around body[a:b] and the quote's remembered prefix and suffix (their ends)."""
    before, after = around[0][-CERTAIN_MARGIN:], around[1][:CERTAIN_MARGIN]
    return Levenshtein.distance(before, body[max(0, a - len(before)) : a]) + Levenshtein.distance(
        after, body[b : b + len(after)]
    )


def _fuzzy_at(
    body: str,
    quote: str,
    hint: int,
    limit: int,
    bounded: tuple[bool, bool] = (False, False),
    around: tuple[str, str] = ("", ""),
) -> _Candidate | None:
    """Return the closest substring to quote starting within limit characters of hint, if within limit edits.

    Of equally close ones, the one that cuts no word the quote did not, ends as the quote does, and is
    followed and preceded by what followed and preceded the quote (around: its stored prefix and suffix).
    """
    best: tuple | None = None  # (distance, words cut, ends unlike, context unlike, distance from hint, start, end)
    length = len(quote)
    for a in range(max(0, hint - limit), min(len(body), hint + limit) + 1):
        for b in range(max(a + 1, a + length - limit), min(len(body), a + length + limit) + 1):
            cutoff = limit if best is None else best[0]
            d = Levenshtein.distance(quote, body[a:b], score_cutoff=cutoff)
            if d > cutoff:
                continue
            key = (
                d,
                _cuts(body, a, b, bounded),
                _edges(body, a, b, quote),
                _context_unlike(body, a, b, around),
                abs(a - hint) + abs((b - a) - length),
                a,
                b,
            )
            if best is None or key < best:
                best = key
    if best is None:
        return None
    a, b = _trim(body, best[-2], best[-1], quote)
    if b <= a:
        return None
    return _Candidate(a, b, Levenshtein.distance(quote, body[a:b]))


def _candidates(text: _Text, stored: StoredQuote, hint: int, spans: Collection[tuple[int, int]]) -> list[_Candidate]:
    body, quote = text.body, stored.quote
    bounded, around = _bounded(stored), (stored.prefix, stored.suffix)
    taken = {start for start, _ in spans}
    # The same letters inside a longer word ("a" in "officially") are not the quote when the quote was whole words.
    found = {
        (s, s + len(quote)): _Candidate(s, s + len(quote), 0)
        for s in occurrences(body, quote)
        if s not in taken and not _cuts(body, s, s + len(quote), bounded)
    }
    target = _squeeze(quote)
    if target and (not found or len(found) < 4):
        squeezed, keep = text.squeezed()
        for s in occurrences(squeezed, target):
            a, b = keep[s], keep[s + len(target) - 1] + 1
            if a not in taken and (a, b) not in found and not _cuts(body, a, b, bounded):
                found[a, b] = _Candidate(a, b, _spacing_distance(quote, body[a:b]))
    limit = max_errors(quote)
    if not any(abs(c.start - hint) <= limit and c.distance == 0 for c in found.values()):
        # A short quote is tried at every nearby start and end; a long one is aligned first (rapidfuzz), then refined.
        near = [_fuzzy_at(body, quote, hint, limit, bounded, around)] if len(quote) <= SHORT_QUOTE else []
        if not near or near[0] is None or near[0].distance > 0:
            lo, hi = hint - 2 * limit - CONTEXT_LENGTH, hint + len(quote) + 2 * limit + CONTEXT_LENGTH
            near.append(_fuzzy(body, quote, lo, hi, limit, bounded, around))
        for candidate in near:
            if candidate is None or _overlaps(candidate, spans):
                continue
            if not _cuts(body, candidate.start, candidate.end, bounded):
                found.setdefault((candidate.start, candidate.end), candidate)
    if not found:
        anywhere = _fuzzy(body, quote, 0, len(body), limit, bounded, around)
        if anywhere is not None and not _overlaps(anywhere, spans):
            found[anywhere.start, anywhere.end] = anywhere
    return list(found.values())


def _overlaps(candidate: _Candidate, spans: Collection[tuple[int, int]]) -> bool:
    """Whether an approximate match runs into text another quote of its group holds."""
    return any(candidate.start < end and start < candidate.end for start, end in spans)


# ---------------------------------------------------------------- scoring


def _side_similarity(remembered: str, actual: str) -> float:
    if not remembered:
        return 1.0 if not actual else 0.5
    return fuzz.ratio(remembered, actual) / 100


def _score(text: _Text, stored: StoredQuote, candidate: _Candidate, hint: int, scale: float) -> None:
    body = text.body
    before = body[max(0, candidate.start - (len(stored.prefix) or CONTEXT_LENGTH)) : candidate.start]
    after = body[candidate.end : candidate.end + (len(stored.suffix) or CONTEXT_LENGTH)]
    candidate.context = (_side_similarity(stored.prefix, before) + _side_similarity(stored.suffix, after)) / 2
    candidate.position = math.exp(-abs(candidate.start - hint) / scale)
    words = 1 - candidate.distance / max(1, len(_squeeze(stored.quote)))
    candidate.score = 0.45 * words + 0.35 * candidate.context + 0.20 * candidate.position


def _placement(text: _Text, stored: StoredQuote, candidate: _Candidate, state: str, **kwargs) -> Placement:
    body = text.body
    prefix, suffix = context(body, candidate.start, candidate.end)
    anchor = Anchor(
        quote=body[candidate.start : candidate.end],
        start=candidate.start,
        end=candidate.end,
        prefix=prefix,
        suffix=suffix,
    )
    return Placement(state=state, anchor=anchor, confidence=round(candidate.score, 3), **kwargs)


def _orphaned(reason: str) -> Placement:
    return Placement(state=ORPHANED, anchor=None, confidence=0.0, reason=reason)


def place(
    text: str | _Text,
    stored: StoredQuote,
    *,
    diff: TextDiff | None = None,
    taken: Collection[tuple[int, int]] = (),
) -> Placement:
    """Find one stored quote in the new text; the spans in taken are held by other quotes of its group."""
    text = text if isinstance(text, _Text) else _Text(text)
    body, quote = text.body, stored.quote
    length = len(quote)
    consistent = diff is not None and diff.old[stored.start : stored.end] == quote
    if consistent:
        carried = diff.carry(stored.start, stored.end)
        if carried is not None:
            new_start, margin = carried
            free = all(start != new_start for start, _ in taken)
            if free and (length >= CERTAIN_LENGTH or margin >= CERTAIN_MARGIN):
                candidate = _Candidate(new_start, new_start + length, 0, score=1.0)
                state = ANCHORED if new_start == stored.start else MOVED
                reason = (
                    "still in place" if state == ANCHORED else f"moved by {new_start - stored.start:+d} characters"
                )
                return _placement(text, stored, candidate, state, reason=reason)
        hint, scale = diff.map(stored.start), 25.0
    elif diff is not None:
        # The stored offsets belong to an older text (an orphan, say): where it was says little.
        hint, scale = diff.map(stored.start), max(200.0, len(body) / 4)
    else:
        hint, scale = stored.start, max(200.0, len(body) / 4)

    candidates = _candidates(text, stored, hint, taken)
    if consistent:
        # The same words that already stood elsewhere in the old text are another passage, not this quote,
        # unless they stood right next to it ("nine nine"): then the edit does not say which of the two it hit.
        kept = []
        for candidate in candidates:
            other = _another_passage(diff, stored, candidate)
            if other is None or _next_to(diff.old, stored, other):
                candidate.twin = other is not None
                kept.append(candidate)
        # A twin is a last resort: a match where the quote itself stood ("the" now "thhe") comes first.
        candidates = [c for c in kept if not c.twin] or kept
    if not candidates:
        return _orphaned("its words are no longer in the text")
    for candidate in candidates:
        _score(text, stored, candidate, hint, scale)
    candidates.sort(key=lambda c: (-c.score, abs(c.start - hint), c.start))
    best = candidates[0]
    at_hint = best.position >= 0.8
    same_words = best.distance == 0
    exact = [c for c in candidates if c.distance == 0]
    if same_words:
        unique = len(exact) == 1
        convincing = at_hint or best.context >= 0.7 or (unique and length >= 24 and best.context >= 0.3)
        rival = next((c for c in candidates[1:] if c.distance == 0), None)
        close_call = rival is not None and best.score - rival.score < 0.03 and not at_hint
        state = ANCHORED if best.start == stored.start and body[best.start : best.end] == quote else MOVED
        if best.twin:
            return _placement(
                text,
                stored,
                best,
                state,
                needs_confirmation=True,
                reason="the same words stood right next to it and one of the two was edited: check that this is it",
            )
        if convincing and not close_call:
            return _placement(text, stored, best, state, reason=_moved_reason(stored, best, quote, body))
        if best.context >= 0.45 or (unique and length >= 24):
            return _placement(
                text,
                stored,
                best,
                state,
                needs_confirmation=True,
                reason="found again, but its surroundings changed: check that this is the right place",
            )
        return _orphaned(
            "its words are gone from where they stood; the same words elsewhere are another passage"
            if exact
            else "its words are no longer in the text"
        )
    if best.distance <= max_errors(quote) and (at_hint or best.context >= 0.6):
        new_words = body[best.start : best.end]
        return _placement(
            text,
            stored,
            best,
            CHANGED,
            needs_confirmation=True,
            reason=f"its words changed ({best.distance} character edit{'s' if best.distance != 1 else ''}): "
            f"“{_shorten(quote)}” now reads “{_shorten(new_words)}”",
        )
    return _orphaned("its words are no longer in the text")


def _another_passage(diff: TextDiff, stored: StoredQuote, candidate: _Candidate) -> int | None:
    """Return the old start of the same words the diff says candidate is, when that is not the quote itself."""
    old_start = diff.carry_back(candidate.start, candidate.end)
    if old_start is None or old_start == stored.start:
        return None
    return old_start if diff.old[old_start : old_start + len(stored.quote)] == stored.quote else None


def _next_to(old: str, stored: StoredQuote, other: int) -> bool:
    """Whether the same words at old offset other overlap the quote or are apart from it by only a space or a comma."""
    first, second = sorted((stored.start, other))
    gap = old[first + len(stored.quote) : second]
    return len(gap) <= TWIN_GAP and not any(c.isalnum() for c in gap)


def _moved_reason(stored: StoredQuote, best: _Candidate, quote: str, body: str) -> str:
    if body[best.start : best.end] != quote:
        return "only the spacing inside it changed"
    if best.start == stored.start:
        return "still in place"
    return f"moved by {best.start - stored.start:+d} characters"


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reanchor_all(new_body: str, stored: Sequence[StoredQuote], *, old_body: str | None = None) -> list[Placement]:
    """Find every stored quote in new_body (the text that replaced old_body, when known), in the given order.

    Two quotes of one group (the same claim) never land on the same start:
    the quotes the diff carries over claim their places first.
    """
    text = _Text(new_body)
    diff = TextDiff(old_body, new_body) if old_body is not None and old_body != new_body else None
    if old_body == new_body:
        diff = None
    results: list[Placement | None] = [None] * len(stored)
    taken: dict[object, set[tuple[int, int]]] = {}
    order = sorted(range(len(stored)), key=lambda i: _certainty(stored[i], diff))
    for i in order:
        item = stored[i]
        spots = taken.setdefault(item.group, set()) if item.group is not None else set()
        free = all(start != item.start for start, _ in spots)
        if old_body == new_body and new_body[item.start : item.end] == item.quote and free:
            placement = _placement(text, item, _Candidate(item.start, item.end, 0, 1.0), ANCHORED)
        else:
            placement = place(text, item, diff=diff, taken=spots)
        if placement.anchor is not None and item.group is not None:
            spots.add((placement.anchor.start, placement.anchor.end))
        results[i] = placement
    return results  # type: ignore[return-value]


def _certainty(item: StoredQuote, diff: TextDiff | None) -> int:
    if diff is not None and diff.old[item.start : item.end] == item.quote and diff.carry(item.start, item.end):
        return 0
    return 1
