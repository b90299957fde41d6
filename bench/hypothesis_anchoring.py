"""Hypothesis's re-anchoring, as the baseline of ``make bench-anchoring`` (not part of the product).

A faithful port of what the Hypothesis client does to find an annotation's
quote again in a changed page (BSD-2-Clause), from its source:

- ``src/annotator/anchoring/html.ts``: the TextPositionSelector is tried
  first and accepted only if the text there still equals the quote; else the
  TextQuoteSelector (exact + 32 characters of prefix and suffix) is searched
  with the position's start as a hint;
- ``src/annotator/anchoring/match-quote.ts``: exact occurrences first, else
  approximate matches with up to min(256, len/2) errors; every candidate is
  scored 50 × quote similarity + 20 × prefix + 20 × suffix similarity
  + 2 × position, and the best is taken, however low; none found means
  orphaned;
- ``approx-string-match`` (Myers' bit-parallel algorithm, 1999): only the
  end positions with the lowest error count are reported; each start is found
  by searching the reversed pattern in the reversed text, taking the longest
  match.

Offsets are Python string indices (code points) where the JavaScript counts
UTF-16 units; the seed articles hold no characters outside the BMP, so the
two agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTEXT_LENGTH = 32  # Hypothesis's TextQuoteAnchor keeps 32 characters each side


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    errors: int


def _find_match_ends(text: str, pattern: str, max_errors: int) -> list[Match]:
    """End positions (start unknown, -1) of the lowest-cost matches of pattern in text, Myers' algorithm."""
    m = len(pattern)
    if m == 0:
        return []
    max_errors = min(max_errors, m)
    mask = (1 << m) - 1
    top = 1 << (m - 1)
    peq: dict[str, int] = {}
    for i, ch in enumerate(pattern):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    pv, mv, score = mask, 0, m
    matches: list[Match] = []
    for j, ch in enumerate(text):
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & mask) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & mask
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        # Row 0 of a search is all zeros (a match may start anywhere): nothing shifts in.
        ph = (ph << 1) & mask
        mh = (mh << 1) & mask
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv
        if score <= max_errors:
            if score < max_errors:
                matches.clear()
            matches.append(Match(-1, j + 1, score))
            max_errors = score  # only the best matches are reported: ratchet down
    return matches


def approx_search(text: str, pattern: str, max_errors: int) -> list[Match]:
    """approx-string-match's search(): the lowest-error matches, each as long as it can be."""
    ends = _find_match_ends(text, pattern, max_errors)
    reversed_pattern = pattern[::-1]
    found = []
    for match in ends:
        min_start = max(0, match.end - len(pattern) - match.errors)
        reversed_text = text[min_start : match.end][::-1]
        start = match.end
        for rm in _find_match_ends(reversed_text, reversed_pattern, match.errors):
            start = min(start, match.end - rm.end)
        found.append(Match(start, match.end, match.errors))
    return found


def _search(text: str, pattern: str, max_errors: int) -> list[Match]:
    exact = []
    position = text.find(pattern)
    while position != -1:
        exact.append(Match(position, position + len(pattern), 0))
        position = text.find(pattern, position + 1)
    if exact:
        return exact
    return approx_search(text, pattern, int(max_errors))


def _text_match_score(text: str, pattern: str) -> float:
    if not pattern or not text:
        return 0.0
    matches = _search(text, pattern, len(pattern))
    return 1 - matches[0].errors / len(pattern)


@dataclass(frozen=True)
class Scored:
    start: int
    end: int
    score: float


def match_quote(text: str, quote: str, prefix: str = "", suffix: str = "", hint: int | None = None) -> Scored | None:
    """match-quote.ts's matchQuote()."""
    if not quote:
        return None
    # JavaScript compares against quote.length / 2 without rounding: errors <= 3.5 allows 3.
    max_errors = min(256, len(quote) / 2)
    matches = _search(text, quote, int(max_errors))
    if not matches:
        return None

    def score(match: Match) -> float:
        quote_score = 1 - match.errors / len(quote)
        prefix_score = (
            _text_match_score(text[max(0, match.start - len(prefix)) : match.start], prefix) if prefix else 1.0
        )
        suffix_score = _text_match_score(text[match.end : match.end + len(suffix)], suffix) if suffix else 1.0
        position_score = 1.0
        if hint is not None:
            position_score = 1.0 - abs(match.start - hint) / len(text)
        raw = 50 * quote_score + 20 * prefix_score + 20 * suffix_score + 2 * position_score
        return raw / (50 + 20 + 20 + 2)

    scored = [Scored(m.start, m.end, score(m)) for m in matches]
    # JavaScript's sort is stable: the first of equally scored matches wins.
    scored.sort(key=lambda s: -s.score)
    return scored[0]


def selectors(body: str, start: int, end: int) -> dict:
    """The TextQuote and TextPosition selectors Hypothesis stores for a highlight."""
    return {
        "exact": body[start:end],
        "prefix": body[max(0, start - CONTEXT_LENGTH) : start],
        "suffix": body[end : end + CONTEXT_LENGTH],
        "start": start,
        "end": end,
    }


def anchor(text: str, selector: dict) -> tuple[int, int] | None:
    """html.ts's anchor(): the position if the quote is still there, else the best quote match, else None."""
    start, end, exact = selector["start"], selector["end"], selector["exact"]
    if 0 <= start < end <= len(text) and text[start:end] == exact:
        return start, end
    found = match_quote(text, exact, selector["prefix"], selector["suffix"], hint=start)
    if found is None:
        return None
    return found.start, found.end
