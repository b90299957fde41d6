"""Request parsing: a wildcard Content-Type is refused; JSON that the database would choke on is a 400."""

from __future__ import annotations

import json

from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser

# Deeper than any request of this API needs; deeper input is an attack or a bug.
MAX_DEPTH = 32


def _check(value, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ParseError("JSON strings may not contain NUL characters (\\u0000).")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError("JSON strings may not contain unpaired surrogates such as \\ud800.") from None


class StrictJSONParser(JSONParser):
    """Parse JSON, turning every malformed body (deep nesting, NUL, lone surrogates) into a ParseError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from None
        except (ValueError, json.JSONDecodeError) as exc:  # pragma: no cover - DRF already maps these
            raise ParseError(f"JSON parse error - {exc}") from None
        _check(data)
        return data


class StrictContentNegotiation(DefaultContentNegotiation):
    """Choose a parser by the request's own Content-Type; a wildcard names no format and is refused (415)."""

    def select_parser(self, request, parsers):
        content_type = (request.content_type or "").split(";", 1)[0].strip()
        if "*" in content_type:
            return None
        return super().select_parser(request, parsers)
