"""The desk's claim list (GET claims/) read as rows, the API's hottest read (issue 8).

Model instances, their related objects and the managers Django builds per
claim to hand out prefetched rows cost more than the rows themselves; so the
list reads claims with ``.values()`` (filters, search and the cursor apply to
it as to any queryset) and each page's tags and appearances with one plain
SQL statement each, converted exactly as the ORM converts those columns.
ClaimSerializer.of_rows shapes them into the same JSON as ClaimSerializer.

What is the same on every request is done once per process: the page's
statement is compiled once for each way pagination shapes it (DeskClaimRows),
and on PostgreSQL the page's tags and appearances come in that same statement
(aggregated per claim), so a page is one round trip after the token's.
"""

from __future__ import annotations

import datetime
import weakref
from collections import namedtuple

import orjson
from django.db import connections, router
from django.db.models import BooleanField, ExpressionWrapper, Field, Q
from django.db.models.expressions import Col, RawSQL
from django.db.models.fields.json import KT

from tracker.api import serializers as s
from tracker.models import Appearance, Article, Claim, ClaimQuerySet, Tag
from tracker.prepared import planned_once_cursor

AppearanceRow = namedtuple("AppearanceRow", s.APPEARANCE_ROW_FIELDS)


def desk_claim_rows():
    """The desk's claims as the rows ClaimSerializer.of_rows shapes (the claims api.views.desk_claims reads)."""
    alias = router.db_for_read(Claim)
    template = _row_templates.get(alias)
    if template is None:
        # Resolving the columns, joins and expressions of .values() costs a good part of a page: done once
        # per database, each request starting from a copy (the models' fields do not change).
        template = _row_templates[alias] = _desk_claim_rows(connections[alias])
    return template._fresh()


_row_templates: dict = {}


def _desk_claim_rows(connection):
    parts = {}
    if connection.vendor == "postgresql":
        # Evaluated only for the rows the page returns (PostgreSQL computes costly output columns after the
        # LIMIT), as the two statements of claim_parts would read them.
        parts = {
            "tag_names": RawSQL(_tag_names_sql(connection), (), output_field=Field()),  # noqa: S611 (models' names)
            "appearance_rows": RawSQL(_appearance_rows_sql(connection), (), output_field=Field()),  # noqa: S611
        }
    rows = Claim.objects.using(connection.alias).values(
        *s.CLAIM_ROW_FIELDS,
        is_public=ExpressionWrapper(Q(public_snapshot__isnull=False), output_field=BooleanField()),
        public_text=KT("public_snapshot__text"),
        **parts,
    )
    return DeskClaimRows(model=Claim, query=rows.query.chain(), using=rows._db, hints=rows._hints)._as_values(rows)


def page_parts(rows: list[dict]) -> tuple[dict[int, list[str]], dict[int, list[AppearanceRow]]]:
    """Return the tag names and appearance rows of a page of desk_claim_rows (read with it, or by claim_parts)."""
    if not rows or "tag_names" not in rows[0]:
        return claim_parts([row["id"] for row in rows])
    tags, appearances = {}, {}
    parse = datetime.datetime.fromisoformat
    for row in rows:
        pk = row["id"]
        tags[pk] = row["tag_names"]
        found = row["appearance_rows"]
        if found is not None:
            # [*APPEARANCE_ROW_FIELDS but claim_id]; created_at as PostgreSQL writes a timestamptz in JSON (ISO
            # 8601 with its offset, trailing zeros of the microseconds left out): the instant the ORM would read.
            appearances[pk] = [AppearanceRow(pk, *a[:10], parse(a[10]), a[11]) for a in orjson.loads(found)]
    return tags, appearances


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


def _tag_names_sql(connection) -> str:
    """One claim's tag names in order, as a PostgreSQL array (a column of desk_claim_rows)."""
    q = connection.ops.quote_name
    through = Claim.tags.through._meta
    order = ", ".join(f"t.{q(Tag._meta.get_field(name).column)}" for name in Tag._meta.ordering)
    return (
        f"ARRAY(SELECT t.{q(Tag._meta.get_field('name').column)} FROM {q(through.db_table)} l "  # noqa: S608
        f"JOIN {q(Tag._meta.db_table)} t ON t.{q(Tag._meta.pk.column)} = l.{q(through.get_field('tag').column)} "
        f"WHERE l.{q(through.get_field('claim').column)} = {q(Claim._meta.db_table)}.{q(Claim._meta.pk.column)} "
        f"ORDER BY {order})"
    )


def _appearance_rows_sql(connection) -> str:
    """One claim's appearances in order as JSON text, each [*APPEARANCE_ROW_FIELDS but claim_id], or NULL."""
    q = connection.ops.quote_name
    columns, source, order, claim_column = _appearances_parts(connection, _appearance_fields()[1:])
    return (
        f"(SELECT json_agg(json_build_array({columns}) ORDER BY {order})::text {source} "
        f"WHERE a.{claim_column} = {q(Claim._meta.db_table)}.{q(Claim._meta.pk.column)})"
    )


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
    columns, source, order, claim_column = _appearances_parts(connection, _appearance_fields())
    return f"SELECT {columns} {source} WHERE a.{claim_column} IN ({{marks}}) ORDER BY {order}"


def _appearances_parts(connection, fields) -> tuple[str, str, str, str]:
    """What both appearance statements share: the columns of fields, FROM the appearances joined to their
    articles, their order, and the quoted column of their claim."""
    q = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{q(field.column)}" for alias, field in fields)
    order = ", ".join(f"a.{q(Appearance._meta.get_field(name).column)}" for name in Appearance._meta.ordering)
    article_column = Appearance._meta.get_field("article").column
    source = (
        f"FROM {q(Appearance._meta.db_table)} a "
        f"JOIN {q(Article._meta.db_table)} r ON r.{q(Article._meta.pk.column)} = a.{q(article_column)}"
    )
    return columns, source, order, q(Appearance._meta.get_field("claim").column)


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


class DeskClaimRows(ClaimQuerySet):
    """desk_claim_rows, whose statement is compiled once per process for each way pagination shapes it.

    Compiling the page's query (its joins, the JSON key, ordering) costs as much as running it (issue 8).
    DRF's cursor pagination only orders the rows, filters them by the cursor's position and slices them,
    so those steps are recorded as they are applied (``_shape``); any other step, such as the filters of
    ?status=… or ?search=…, forgets the shape, and such a query is compiled as usual. The position's value
    becomes its parameter as the ORM's lookup makes it, and the slice becomes LIMIT/OFFSET as the ORM
    writes it; both are checked against the ORM's own statement when the shape is first compiled.
    """

    _shape: tuple | None = None
    _values: tuple = ()
    _limits: tuple[int, int] | None = None

    def _as_values(self, rows):
        self._iterable_class, self._fields, self._shape = rows._iterable_class, rows._fields, ()
        return self

    def _clone(self):
        clone = super()._clone()
        clone._shape = None  # a step not recorded below: compiled as usual
        return clone

    def _fresh(self):
        """A copy of these rows as desk_claim_rows made them, its shape still known."""
        clone = super()._clone()
        clone._shape = self._shape
        return clone

    def order_by(self, *field_names):
        clone = super().order_by(*field_names)
        if self._shape is not None and self._limits is None and all(isinstance(n, str) for n in field_names):
            clone._shape, clone._values = (*self._shape, ("order_by", field_names)), self._values
        return clone

    def filter(self, *args, **kwargs):
        clone = super().filter(*args, **kwargs)
        if self._shape is not None and self._limits is None and not args and len(kwargs) == 1:
            ((lookup, value),) = kwargs.items()
            name, _, op = lookup.rpartition("__")
            if op in ("lt", "gt") and name in _POSITION_FIELDS and isinstance(value, str):
                clone._shape, clone._values = (*self._shape, ("filter", lookup)), (*self._values, (name, value))
        return clone

    def __getitem__(self, k):
        clone = super().__getitem__(k)
        if (
            isinstance(clone, DeskClaimRows)
            and self._shape is not None
            and self._limits is None
            and isinstance(k, slice)
            and isinstance(k.start, int)
            and isinstance(k.stop, int)
            and k.step is None
        ):
            clone._shape, clone._values = self._shape, self._values
            clone._limits = (clone.query.low_mark, clone.query.high_mark)
        return clone

    def _fetch_all(self):
        if self._result_cache is None and self._shape is not None and self._limits is not None:
            self._result_cache = _rows_by_shape(self)
        super()._fetch_all()


# The fields a cursor's position may filter on: the plain columns of the list's orderings.
_POSITION_FIELDS = {"created_at", "id"}
# Per connection (each thread has its own): {shape: (sql, constant params, names, converters) or None}.
_page_statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _rows_by_shape(rows: DeskClaimRows) -> list[dict] | None:
    """The rows of rows by the statement compiled for its shape; None (compile as usual) when it has none."""
    connection = connections[rows.db]
    statements = _page_statements.setdefault(connection, {})
    if rows._shape not in statements:
        statements[rows._shape] = _compiled_shape(rows, connection)
    compiled = statements[rows._shape]
    if compiled is None:
        return None
    sql, constants, names, converters = compiled
    low, high = rows._limits
    params = [*constants, *(_position_param(name, value, connection) for name, value in rows._values)]
    with planned_once_cursor(connection) as cursor:
        cursor.execute(f"{sql} {connection.ops.limit_offset_sql(low, high)}", params)
        found = cursor.fetchall()
    if converters:
        found = [converted(values, converters, connection) for values in found]
    return [dict(zip(names, values, strict=True)) for values in found]


def _position_param(name: str, value, connection):
    # What the ORM's lookup (lt/gt on a plain column) makes of its value: the field prepares it, then adapts it.
    field = Claim._meta.get_field(name)
    return field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)


def _compiled_shape(rows: DeskClaimRows, connection):
    """(statement without LIMIT, constant parameters, names, converters) for rows' shape, or None when the ORM's
    own statement of rows is not that plus LIMIT/OFFSET and the positions' parameters."""
    unsliced = rows._chain()
    unsliced.query.clear_limits()
    try:
        compiler = unsliced.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        sliced_sql, sliced_params = rows.query.get_compiler(connection=connection).as_sql()
    except Exception:  # an empty or odd query: the usual path says what is wrong
        return None
    positions = [_position_param(name, value, connection) for name, value in rows._values]
    constants = list(params[: len(params) - len(positions)])
    low, high = rows._limits
    if (
        sliced_sql != f"{sql} {connection.ops.limit_offset_sql(low, high)}"
        or list(sliced_params) != list(params)
        or list(params) != [*constants, *positions]
    ):
        return None
    query = rows.query
    names = (
        list(query.selected)
        if query.selected
        else [*query.extra_select, *query.values_select, *query.annotation_select]
    )
    fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
    converters = [
        (col, (connection.ops.get_db_converters(col) + col.get_db_converters(connection)) if col else [])
        for col in fields
    ]
    if not any(functions for _, functions in converters):
        converters = []
    return sql, constants, names, converters
