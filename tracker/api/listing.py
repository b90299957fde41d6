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

from django.db import connections, router
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
    connection = connections[router.db_for_read(Appearance)]
    marks = ", ".join(["%s"] * len(claim_ids))
    with connection.cursor() as cursor:
        cursor.execute(_statement(_tags_sql, connection).format(marks=marks), claim_ids)
        for claim_id, name in cursor.fetchall():
            tags.setdefault(claim_id, []).append(name)
        cursor.execute(_statement(_appearances_sql, connection).format(marks=marks), claim_ids)
        convert = column_converters(_appearance_fields(), connection)
        for values in cursor.fetchall():
            row = AppearanceRow._make(converted(values, convert, connection))
            appearances.setdefault(row.claim_id, []).append(row)
    return tags, appearances


_statements: dict = {}


def _statement(build, connection) -> str:
    """build(connection)'s statement, written once per database alias (the models' names do not change)."""
    key = (build, connection.alias)
    if key not in _statements:
        _statements[key] = build(connection)
    return _statements[key]


def _tags_sql(connection) -> str:
    """The statement of a page's tag names on connection, {marks} for the claims' ids (written once)."""
    q = connection.ops.quote_name
    through = Claim.tags.through._meta
    claim_column = through.get_field("claim").column
    tag_column = through.get_field("tag").column
    order = ", ".join(f"t.{q(Tag._meta.get_field(name).column)}" for name in Tag._meta.ordering)
    return (
        f"SELECT l.{q(claim_column)}, t.{q(Tag._meta.get_field('name').column)} "  # noqa: S608 (models' names)
        f"FROM {q(through.db_table)} l JOIN {q(Tag._meta.db_table)} t ON t.{q(Tag._meta.pk.column)} = "
        f"l.{q(tag_column)} WHERE l.{q(claim_column)} IN ({{marks}}) ORDER BY {order}"
    )


def _appearance_fields() -> list:
    fields = []
    for name in s.APPEARANCE_ROW_FIELDS:
        if name == "article_url":
            fields.append(("r", Article._meta.get_field("url")))
        else:
            fields.append(("a", Appearance._meta.pk if name == "pk" else Appearance._meta.get_field(name)))
    return fields


def _appearances_sql(connection) -> str:
    """The statement of a page's appearances on connection, {marks} for the claims' ids (written once)."""
    q = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{q(field.column)}" for alias, field in _appearance_fields())
    order = ", ".join(f"a.{q(Appearance._meta.get_field(name).column)}" for name in Appearance._meta.ordering)
    claim_column = Appearance._meta.get_field("claim").column
    article_column = Appearance._meta.get_field("article").column
    return (
        f"SELECT {columns} FROM {q(Appearance._meta.db_table)} a "  # noqa: S608 (models' names)
        f"JOIN {q(Article._meta.db_table)} r ON r.{q(Article._meta.pk.column)} = a.{q(article_column)} "
        f"WHERE a.{q(claim_column)} IN ({{marks}}) ORDER BY {order}"
    )


def column_converters(columns, connection) -> list[tuple]:
    """For each (table alias, field), what the ORM would apply to its value on this database (SQLite's datetimes
    and booleans, for one), as (column expression, functions)."""
    found = []
    for alias, field in columns:
        col = Col(alias, field)
        found.append((col, connection.ops.get_db_converters(col) + field.get_db_converters(connection)))
    return found


def converted(values, converters, connection) -> list:
    """values of a row, each passed through its column's converters (column_converters)."""
    out = []
    for value, (col, functions) in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, col, connection)
        out.append(value)
    return out
