"""The API's orjson renderer writes the very bytes DRF's JSONRenderer writes (issue 8: speed, not a new format)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from tracker.api.renderers import FastJSONRenderer

SAMPLES = [
    {"next": None, "previous": "http://127.0.0.1:8000/api/v1/claims/?cursor=cD0y", "results": []},
    {"text": 'Zürich, São Paulo, Łódź, «quotes», 中文, emoji 🙂, tab\t, newline\n, quote " and \\'},
    {"separators": "line\u2028paragraph\u2029end", "control": "\x00\x1f\x7f"},
    {"when": dt.datetime(2026, 11, 30, 12, 0, 5, 120000, tzinfo=dt.UTC), "day": dt.date(2026, 1, 2)},
    {"naive": dt.datetime(2026, 1, 2, 3, 4, 5), "time": dt.time(10, 30), "span": dt.timedelta(hours=2)},
    {"offset": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))},
    {"amount": decimal.Decimal("12.50"), "id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"lazy": gettext_lazy("This field is required."), "detail": ErrorDetail("No.", code="invalid")},
    {"appearances": {0: {"quote": [ErrorDetail("Not in the article.", code="invalid")]}}, 7: True},
    ReturnDict({"a": 1, "b": [1.5, -0.25, 3, True, False, None]}, serializer=None),
    ReturnList([{"id": 1}, {"id": 2}], serializer=None),
    {"tuple": (1, 2), "set_free": sorted({3, 1, 2}), "nested": {"deep": [{"x": [[]]}]}},
    {"big": 2**70, "small": -(2**63)},
    [],
    "just a string",
]


@pytest.mark.parametrize("data", SAMPLES)
def test_same_bytes_as_drfs_renderer(data):
    assert FastJSONRenderer().render(data, "application/json") == JSONRenderer().render(data, "application/json")


def test_indented_answers_are_drfs_too():
    data = {"a": [1, {"b": "c"}]}
    assert FastJSONRenderer().render(data, "application/json; indent=4") == JSONRenderer().render(
        data, "application/json; indent=4"
    )
    assert b"\n    " in FastJSONRenderer().render(data, "application/json; indent=4")


def test_nothing_renders_as_no_body():
    assert FastJSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_through_it(client):
    from tracker.api.views import ApiMixin

    assert ApiMixin.renderer_classes == [FastJSONRenderer]
    response = client.get("/api/v1/claimreview/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response.json() == {"next": None, "previous": None, "results": []}
