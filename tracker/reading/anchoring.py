"""Anchor quotes to exact places in an article body.

Offsets are counted in Unicode code points (Python ``str`` indices) into the
normalised body, half-open: ``body[start:end] == quote``. Clients that count
in UTF-16 (browsers) must convert before sending.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

CONTEXT_LENGTH = 32


class AnchorError(ValueError):
    """A quote cannot be anchored; the message says why, for the person who sent it."""


class QuoteNotFound(AnchorError):
    pass


class QuoteAmbiguous(AnchorError):
    def __init__(self, message: str, starts: list[int]):
        super().__init__(message)
        self.starts = starts


class StartMismatch(AnchorError):
    pass


class InvalidText(ValueError):
    """Text that cannot be stored as an article body or quote."""


@dataclass(frozen=True)
class Anchor:
    quote: str
    start: int
    end: int
    prefix: str
    suffix: str


def normalise_text(text: str) -> str:
    """Return text with a leading BOM dropped, newlines as ``\\n`` and Unicode in NFC.

    NUL bytes and lone surrogates are refused: PostgreSQL cannot store the
    first, no encoder can write the second.
    """
    if "\x00" in text:
        raise InvalidText("Text contains a NUL byte.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidText("Text contains characters that are not valid Unicode.") from exc
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def normalise_body(text: str) -> str:
    """Return an article body normalised for storage, without surrounding blank space."""
    return normalise_text(text).strip()


def occurrences(body: str, quote: str) -> list[int]:
    """Return every start offset of quote in body, overlapping ones included."""
    starts = []
    position = body.find(quote)
    while position != -1:
        starts.append(position)
        position = body.find(quote, position + 1)
    return starts


def context(body: str, start: int, end: int) -> tuple[str, str]:
    """Return up to CONTEXT_LENGTH characters before start and after end."""
    return body[max(0, start - CONTEXT_LENGTH) : start], body[end : end + CONTEXT_LENGTH]


# How much of the text around a quote the desk is shown (the stored prefix and suffix are for finding it again).
SHOWN_CONTEXT = 60


@dataclass(frozen=True)
class ShownContext:
    before: str
    after: str
    more_before: bool  # text was left out before (show an ellipsis)
    more_after: bool


def _whitespace_at(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isspace()


def shown_context(
    text: str, start: int, end: int, length: int = SHOWN_CONTEXT, *, cut_before: bool = False, cut_after: bool = False
) -> ShownContext:
    """Return up to length characters of text each side of [start, end), cut at word boundaries.

    cut_before and cut_after say the text itself was cut from something longer
    at its start or end (a stored prefix or suffix), so a word at that edge may be partial.
    """
    left = max(0, start - length)
    before = text[left:start]
    more_before = left > 0 or cut_before
    # A word that the window cuts into is dropped whole; text without spaces (e.g. Chinese) is kept as it is.
    if more_before and not (left > 0 and _whitespace_at(text, left - 1)) and not before[:1].isspace():
        space = next((i for i, ch in enumerate(before) if ch.isspace()), None)
        if space is not None:
            before = before[space:]
    right = min(len(text), end + length)
    after = text[end:right]
    more_after = right < len(text) or cut_after
    if more_after and not _whitespace_at(text, right) and not after[-1:].isspace():
        space = next((i for i in range(len(after) - 1, -1, -1) if after[i].isspace()), None)
        if space is not None:
            after = after[:space]
    if more_before:
        before = before.lstrip()
    if more_after:
        after = after.rstrip()
    return ShownContext(before=before, after=after, more_before=more_before, more_after=more_after)


def _anchor_at(body: str, quote: str, start: int) -> Anchor:
    end = start + len(quote)
    prefix, suffix = context(body, start, end)
    return Anchor(quote=quote, start=start, end=end, prefix=prefix, suffix=suffix)


def anchor_quote(body: str, quote: str, start: int | None = None) -> Anchor:
    """Anchor quote in body, at start when given, else at its only occurrence.

    Both texts are normalised first (the body as normalise_body stores it,
    the quote with normalise_text), so offsets count code points of the body
    as it is stored. Raise QuoteNotFound,
    QuoteAmbiguous or StartMismatch with a message that tells the user what
    to do, InvalidText for text that cannot be stored.
    """
    if not isinstance(quote, str):
        raise AnchorError("The quote must be text.")
    body = normalise_body(body)
    quote = normalise_text(quote)
    if not quote.strip():
        raise AnchorError("The quote is empty.")
    if start is not None:
        if isinstance(start, bool) or not isinstance(start, int):
            raise StartMismatch("start must be a whole number.")
        if start < 0 or start > len(body):
            raise StartMismatch(f"start {start} is outside the article text (0 to {len(body)}).")
        if body[start : start + len(quote)] != quote:
            found = occurrences(body, quote)
            hint = (
                f" The quote occurs at {', '.join(map(str, found[:10]))}."
                if found
                else " The quote does not occur in the article."
            )
            raise StartMismatch(f"The article text at {start} does not match the quote.{hint}")
        return _anchor_at(body, quote, start)

    found = occurrences(body, quote)
    if not found:
        raise QuoteNotFound("The quote does not occur in the article text; copy it exactly as it stands.")
    if len(found) > 1:
        listed = ", ".join(map(str, found[:10]))
        raise QuoteAmbiguous(
            f"The quote occurs {len(found)} times in the article (at {listed}); give start to say which one.",
            found,
        )
    return _anchor_at(body, quote, found[0])
