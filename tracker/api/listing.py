"""The desk's claim list (GET claims/) read as rows, the API's hottest read (issue 8).

Model instances, their related objects and the managers Django builds per
claim to hand out prefetched rows cost more than the rows themselves; so the
list reads claims with ``.values()`` (filters, search and the cursor apply to
it as to any queryset) and each page's tags and appearances with one plain
SQL statement each, converted exactly as the ORM converts those columns.
ClaimSerializer.of_rows shapes them into the same JSON as ClaimSerializer.
"""

from __future__ import annotations

from collections import namedtuple

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.expressions import Col
from django.db.models.fields.json import KT

from tracker.api import serializers as s
from tracker.models import Appearance, Article, Claim, Tag

AppearanceRow = namedtuple("AppearanceRow", s.APPEARANCE_ROW_FIELDS)


def desk_claim_rows():
    """The desk's claims as the rows ClaimSerializer.of_rows shapes (the claims api.views.desk_claims reads)."""
    return Claim.objects.values(
        *s.CLAIM_ROW_FIELDS,
        is_public=ExpressionWrapper(Q(public_snapshot__isnull=False), output_field=BooleanField()),
        public_text=KT("public_snapshot__text"),
    )


def claim_parts(claim_ids: list[int]) -> tuple[dict[int, list[str]], dict[int, list[AppearanceRow]]]:
    """Return the tag names and the appearance rows of these claims, in the orders desk_claims prefetches them."""
    tags, appearances = {}, {}
    if not claim_ids:
        return tags, appearances
    marks = ", ".join(["%s"] * len(claim_ids))
    with connection.cursor() as cursor:
        cursor.execute(_TAGS_SQL.format(marks=marks), claim_ids)
        for claim_id, name in cursor.fetchall():
            tags.setdefault(claim_id, []).append(name)
        cursor.execute(_APPEARANCES_SQL.format(marks=marks), claim_ids)
        convert = _converters()
        for values in cursor.fetchall():
            row = AppearanceRow._make(_converted(values, convert))
            appearances.setdefault(row.claim_id, []).append(row)
    return tags, appearances


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _tags_sql() -> str:
    through = Claim.tags.through._meta
    claim_column = through.get_field("claim").column
    tag_column = through.get_field("tag").column
    order = ", ".join(f"t.{_q(Tag._meta.get_field(name).column)}" for name in Tag._meta.ordering)
    return (
        f"SELECT l.{_q(claim_column)}, t.{_q(Tag._meta.get_field('name').column)} "  # noqa: S608 (models' names)
        f"FROM {_q(through.db_table)} l JOIN {_q(Tag._meta.db_table)} t ON t.{_q(Tag._meta.pk.column)} = "
        f"l.{_q(tag_column)} WHERE l.{_q(claim_column)} IN ({{marks}}) ORDER BY {order}"
    )


def _appearance_fields() -> list:
    fields = []
    for name in s.APPEARANCE_ROW_FIELDS:
        if name == "article_url":
            fields.append(("r", Article._meta.get_field("url")))
        else:
            fields.append(("a", Appearance._meta.pk if name == "pk" else Appearance._meta.get_field(name)))
    return fields


def _appearances_sql() -> str:
    columns = ", ".join(f"{alias}.{_q(field.column)}" for alias, field in _appearance_fields())
    order = ", ".join(f"a.{_q(Appearance._meta.get_field(name).column)}" for name in Appearance._meta.ordering)
    claim_column = Appearance._meta.get_field("claim").column
    article_column = Appearance._meta.get_field("article").column
    return (
        f"SELECT {columns} FROM {_q(Appearance._meta.db_table)} a "  # noqa: S608 (models' names)
        f"JOIN {_q(Article._meta.db_table)} r ON r.{_q(Article._meta.pk.column)} = a.{_q(article_column)} "
        f"WHERE a.{_q(claim_column)} IN ({{marks}}) ORDER BY {order}"
    )


def _converters() -> list[tuple]:
    """Per column, what the ORM would apply to its value on this database (SQLite's datetimes and booleans)."""
    found = []
    for alias, field in _appearance_fields():
        col = Col(alias, field)
        found.append((col, connection.ops.get_db_converters(col) + field.get_db_converters(connection)))
    return found


def _converted(values, converters) -> list:
    out = []
    for value, (col, functions) in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, col, connection)
        out.append(value)
    return out


class _LazySQL:
    """The statements above, written once per process (the models' names are known only after setup)."""

    def __init__(self, build):
        self.build = build
        self.text = None

    def format(self, **kwargs) -> str:
        if self.text is None:
            self.text = self.build()
        return self.text.format(**kwargs)


_TAGS_SQL = _LazySQL(_tags_sql)
_APPEARANCES_SQL = _LazySQL(_appearances_sql)
