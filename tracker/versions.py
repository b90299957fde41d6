"""A claim's locked read and its next version, each one statement planned once, where the database can (PostgreSQL).

A transition or an edit saved through the ORM costs five round trips after the
claim is read under its lock: the event's INSERT, the claim's UPDATE (of every
column), simple-history's INSERT of the record, the copy of the tags into the
history and the status counters' UPDATE; then the appearances are read again
for the answer. ``write`` makes them one statement of data-modifying CTEs: the
claim's UPDATE (of the changed columns only) returns the row, the history
record is inserted from that row and its tags from the claim's own through
rows, all from one snapshot under the claim's lock. The tags and appearances
the answer shows (claims.answer_parts) come with the locked read.

The rows are those the ORM path writes (tests/test_versions.py compares them):
the record holds the claim's columns as saved and simple-history's date, user,
reason and type "~". Other databases, and any save with receivers this module
does not stand in for (a new post_save receiver of Claim, simple-history's
record signals), take the ORM path: nothing a receiver expects is skipped.

``read_locked`` is ``locked_claims().get(pk=…)`` with its statement compiled
once per connection (compiling a claim with its four related rows costs a write
more than running it), and the claim's tags and appearances beside it.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.db import connections, models
from django.db.models import signals
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators
from django.utils import timezone
from simple_history import signals as history_signals

from tracker.models import Appearance, Article, Claim, StatusCount, Tag, keep_prefetched, tag_order
from tracker.prepared import planned_once_cursor


@functools.cache
def history_model():
    """Claim's history model (simple-history builds a new manager class on every ``Claim.history``)."""
    return Claim.history.model


@functools.cache
def _history_tags_model():
    (rel,) = (rel for rel in history_model()._meta.related_objects if rel.field.name == "history")
    return rel.related_model


def _known_receivers() -> set[str]:
    """The post_save receivers of Claim the statement stands in for: simple-history's and search's."""
    from tracker.finding import signals as finding_signals

    return {"HistoricalRecords.post_save", finding_signals._claim_saved.__qualname__}


def available(claim: Claim) -> bool:
    """Whether claim's next version can be written in one statement (see the module's docstring)."""
    connection = connections[claim._state.db or "default"]
    if connection.vendor != "postgresql" or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return False
    if signals.pre_save.has_listeners(Claim):
        return False
    tags_model = _history_tags_model()
    for signal, sender in (
        (history_signals.pre_create_historical_record, history_model()),
        (history_signals.post_create_historical_record, history_model()),
        (history_signals.pre_create_historical_m2m_records, tags_model),
        (history_signals.post_create_historical_m2m_records, tags_model),
    ):
        if signal.has_listeners(sender):
            return False
    sync, asynchronous = signals.post_save._live_receivers(Claim)
    return {getattr(receiver, "__qualname__", None) for receiver in [*sync, *asynchronous]} <= _known_receivers()


# --------------------------------------------------------------------------- the locked read


def locked_claims():
    """Claims read under a row lock, with the related rows an answer shows (only the claim's row is locked)."""
    # The claimant too: a change of what search finds re-indexes the claim from it (tracker.claims.edit_claim).
    return Claim.all_objects.select_related("rating", "assignee", "created_by", "claimant").select_for_update(
        of=("self",)
    )


def read_locked(pk: int, *, alive: bool = False, using: str = "default") -> Claim:
    """Return locked_claims().get(pk=pk) (alive: of the claims outside the trash), inside a transaction.

    On PostgreSQL its statement is compiled once per connection (the ORM's own statement, with the id as its
    one value) and planned once (tracker.prepared). Raise Claim.DoesNotExist as get() does.
    """
    connection = connections[using]
    compiled = connection.__dict__.setdefault("_factdesk_locked_reads", {})
    if alive not in compiled or not connection.in_atomic_block:
        queryset = locked_claims().using(using)
        if alive:
            queryset = queryset.filter(deleted_at__isnull=True)
        if connection.vendor != "postgresql" or not connection.in_atomic_block:
            return queryset.get(pk=pk)  # (outside a transaction, Django refuses a locked read)
        # With the claim, its tags and appearances as an answer shows them (claims.answer_parts), so that neither
        # the write nor its answer reads them again. 0 stands for the id: the check below makes sure it is the
        # statement's only value.
        parts = {"_tags_in_row": _tags_sql(), "_appearances_in_row": _parts_sql()}
        # The models' table and column names only (_tags_sql, _parts_sql), no values.
        queryset = queryset.annotate(**{name: RawSQL(sql, ()) for name, sql in parts.items()})  # noqa: S611
        compiler = queryset.filter(pk=0).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if list(params) != [0]:
            raise RuntimeError(f"The locked read of a claim has values of its own: {params!r}")
        compiled[alive] = compiler, sql
    compiler, sql = compiled[alive]
    with planned_once_cursor(connection) as cursor:
        cursor.execute(sql, [pk])
        rows = cursor.fetchall()
    if not rows:
        raise Claim.DoesNotExist("No claim matches the given query.")
    # As ModelIterable builds instances from the compiler's rows (select_related included).
    (row,) = compiler.results_iter([rows])
    klass_info, select = compiler.klass_info, compiler.select
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    claim = Claim.from_db(using, [column[0].target.attname for column in select[start:end]], row[start:end])
    for populator in get_related_populators(klass_info, select, using):
        populator.populate(row, claim)
    columns = compiler.annotation_col_map
    tags = [Tag.from_db(using, ["id", "name"], pair) for pair in _json(row[columns["_tags_in_row"]])]
    keep_prefetched(claim, "tags", sorted(tags, key=tag_order))
    claim._appearances_in_hand = [_appearance(using, values) for values in _json(row[columns["_appearances_in_row"]])]
    return claim


def _json(value) -> list:
    return (json.loads(value) if isinstance(value, str) else value) or []


def _appearance(using: str, values: list) -> Appearance:
    """An appearance, with its article's fields an answer shows, from the JSON of _parts_sql."""
    from tracker.claims import APPEARANCE_ANSWER_FIELDS

    width = len(APPEARANCE_ANSWER_FIELDS)
    own = [f.to_python(v) for f, v in zip(_fields(Appearance, APPEARANCE_ANSWER_FIELDS), values[:width], strict=True)]
    appearance = Appearance.from_db(using, APPEARANCE_ANSWER_FIELDS, own)
    article = [f.to_python(v) for f, v in zip(_fields(Article, _ARTICLE_FIELDS), values[width:], strict=True)]
    Appearance.article.field.set_cached_value(appearance, Article.from_db(using, _ARTICLE_FIELDS, article))
    return appearance


@functools.cache
def _fields(model, names: tuple[str, ...]) -> list:
    return [model._meta.get_field(name) for name in names]


@functools.cache
def _tags_sql() -> str:
    """The claim's tags as JSON [[id, name], …], beside the claim of the locked read."""
    through = Claim.tags.through
    claim_link, tag_link = _q(through._meta.get_field("claim").column), _q(through._meta.get_field("tag").column)
    return (
        f"SELECT json_agg(json_build_array(g.id, g.name)) FROM {_q(Tag._meta.db_table)} g "  # noqa: S608
        f"JOIN {_q(through._meta.db_table)} t ON t.{tag_link} = g.id "
        f"WHERE t.{claim_link} = {_q(Claim._meta.db_table)}.{_q(Claim._meta.pk.column)}"
    )


@functools.cache
def _parts_sql() -> str:
    """The claim's appearances as JSON, each the columns an answer shows and its article's, in the answer's
    order, beside the claim of the locked read."""
    from tracker.claims import APPEARANCE_ANSWER_FIELDS

    columns = [f"a.{_q(f.column)}" for f in _fields(Appearance, APPEARANCE_ANSWER_FIELDS)]
    columns += [f"ar.{_q(f.column)}" for f in _fields(Article, _ARTICLE_FIELDS)]
    link = _q(Appearance._meta.get_field("claim").column)
    return (
        f"SELECT json_agg(json_build_array({', '.join(columns)}) ORDER BY a.article_id, a.start, a.id) "  # noqa: S608
        f"FROM {_q(Appearance._meta.db_table)} a JOIN {_q(Article._meta.db_table)} ar ON ar.id = a.article_id "
        f"WHERE a.{link} = {_q(Claim._meta.db_table)}.{_q(Claim._meta.pk.column)}"
    )


# --------------------------------------------------------------------------- the new version


def write(
    claim: Claim,
    fields: list[str],
    *,
    reason: str | None,
    created: list[models.Model] = (),
    shift: dict[str, int] | None = None,
) -> None:
    """Write claim's new version (its version and _history_user already set) in one statement.

    fields: the names of the fields that changed (version and updated_at go with them). created: new rows
    written first (a transition's event), each left saved with its id. shift: StatusCount deltas, applied in
    the same statement. The answer's parts are those read_locked left on the claim (else answer_parts reads
    them).
    """
    using = claim._state.db or "default"
    connection = connections[using]
    claim.updated_at = timezone.now()
    shift = {status: delta for status, delta in (shift or {}).items() if delta}
    models_created = tuple(type(obj) for obj in created)
    sql = _statement(models_created, tuple(fields), tuple(sorted(shift)))
    params = []
    for obj in created:
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in _inserted_fields(type(obj))]
    for name in (*fields, "version", "updated_at"):
        field = Claim._meta.get_field(name)
        params.append(field.get_db_prep_save(getattr(claim, field.attname), connection))
    params.append(claim.pk)
    params += _record_values(claim, reason, connection)
    params.append(claim.pk)  # the tags copied into the history
    if shift:
        params += StatusCount.objects.shift_statement(shift)[1]

    # Prepared once per connection and shape: planning this statement costs about what running it does.
    with planned_once_cursor(connection) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()

    for obj, pk in zip(created, row[: len(created)], strict=True):
        obj.pk, obj._state.adding, obj._state.db = pk, False, using
    if shift:
        StatusCount.objects.settle(shift, row[len(created)])


def _q(name: str) -> str:
    return f'"{name}"'  # PostgreSQL's quoting: only PostgreSQL runs these statements


def _record_values(claim: Claim, reason: str | None, connection) -> list:
    """The values simple-history gives a record of its own (create_historical_record), as saved."""
    history = history_model()
    values = {
        "history_date": getattr(claim, "_history_date", None) or timezone.now(),
        "history_change_reason": reason,
        "history_type": "~",
        "history_user": getattr(claim._history_user, "pk", None),
    }
    return [history._meta.get_field(name).get_db_prep_save(values[name], connection) for name in RECORD_FIELDS]


def _inserted_fields(model) -> list:
    return [f for f in model._meta.local_concrete_fields if not f.primary_key]


@functools.cache
def _statement(created: tuple, fields: tuple[str, ...], shifted: tuple[str, ...]) -> str:
    """write's statement for a shape: the rows created, the claim's UPDATE, the record, its tags, the counters
    and the answer's parts. Only the models' table and column names go into the text; the values are
    parameters, in write's order."""
    parts = []
    for index, model in enumerate(created):
        columns = [_q(f.column) for f in _inserted_fields(model)]
        parts.append(
            f"created{index} AS (INSERT INTO {_q(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING {_q(model._meta.pk.column)})"
        )
    history, tags_model, through = history_model(), _history_tags_model(), Claim.tags.through
    claim_columns = {f.column for f in Claim._meta.concrete_fields}
    copied = [_q(f.column) for f in history._meta.concrete_fields if f.column in claim_columns]
    own = ", ".join(_q(history._meta.get_field(name).column) for name in RECORD_FIELDS)
    record_pk = _q(history._meta.pk.column)
    through_columns = [_q(f.column) for f in through._meta.fields]
    claim_link = _q(through._meta.get_field("claim").column)
    history_link = _q(tags_model._meta.get_field("history").column)
    through_table = _q(through._meta.db_table)
    changed = ", ".join(
        f"{_q(Claim._meta.get_field(name).column)} = %s" for name in (*fields, "version", "updated_at")
    )
    parts.append(
        f"saved AS (UPDATE {_q(Claim._meta.db_table)} SET {changed} WHERE {_q(Claim._meta.pk.column)} = %s "  # noqa: S608
        f"RETURNING {', '.join(copied)})"
    )
    rest = (
        f", recorded AS (INSERT INTO {_q(history._meta.db_table)} ({', '.join(copied)}, {own}) "  # noqa: S608
        f"SELECT {', '.join(copied)}, %s, %s, %s, %s FROM saved RETURNING {record_pk})"
        f", tagged AS (INSERT INTO {_q(tags_model._meta.db_table)} ({', '.join(through_columns)}, {history_link}) "
        f"SELECT {', '.join(f't.{c}' for c in through_columns)}, r.{record_pk} "
        f"FROM {through_table} t, recorded r WHERE t.{claim_link} = %s)"
    )
    if shifted:
        update, _ = StatusCount.objects.shift_statement(dict.fromkeys(shifted, 1))
        rest += f", shifted AS ({update} RETURNING 1)"
    selected = [
        *(f"(SELECT {_q(m._meta.pk.column)} FROM created{i})" for i, m in enumerate(created)),  # noqa: S608
        "(SELECT COUNT(*) FROM shifted)" if shifted else "0",
    ]
    rest += f" SELECT {', '.join(selected)}"
    return f"WITH {', '.join(parts)}{rest}"


# The columns simple-history fills in a record beside the claim's, in _record_values' order.
RECORD_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user")
# What an answer shows of an appearance's article (claims.answer_appearances reads the same), in the model's
# order of fields, as from_db takes them.
_ARTICLE_FIELDS = tuple(
    f.attname for f in Article._meta.concrete_fields if f.attname in {"id", "url", "language", "published_at"}
)
