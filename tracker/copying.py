"""Many new rows and their history at once: COPY on PostgreSQL, bulk_create_with_history elsewhere (issue 8).

``bulk_create`` spends most of a large batch in Python, writing every value
into the SQL text (the desk's PostgreSQL connections bind on the client),
and simple-history's bulk path does it again for the history rows. For new
rows that need no signals (as bulk_create sends none), COPY writes the same
rows from the same values: the primary keys are taken from the table's
sequence first (one statement), so the history rows can name their objects,
then one COPY for the rows and one for their "+" history records, in the
caller's transaction. Every value goes through its field as bulk_create's
would (``pre_save`` for defaults like ``auto_now``, ``get_db_prep_save``), and
a duplicate raises django.db.IntegrityError as bulk_create does.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_change_reason_from_object

BATCH_SIZE = 500  # bulk_create_with_history's batches, where COPY is not used


def create_with_history(objs: list, model, *, default_user=None) -> list:
    """Insert objs (new instances of model) and one "+" history record for each; return objs, saved.

    Nothing else is sent or run for them: no signals, no save() (as bulk_create_with_history).
    """
    if not objs:
        return objs
    alias = router.db_for_write(model) or DEFAULT_DB_ALIAS
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return bulk_create_with_history(objs, model, batch_size=BATCH_SIZE, default_user=default_user)
    history = model.history.model
    fields = [f for f in model._meta.concrete_fields]
    pk = model._meta.pk
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), pk.column, len(objs)],
        )
        for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, value)
        prepare = [_preparer(field, connection) for field in fields]
        rows = [[value(obj) for value in prepare] for obj in objs]
        _copy(connection, cursor, model._meta.db_table, [f.column for f in fields], rows)

        tracked = list(history.tracked_fields)
        columns = [history._meta.get_field(f.name).column for f in tracked]
        columns += ["history_date", "history_change_reason", "history_type", "history_user_id"]
        now = timezone.now()
        history_rows = []
        for obj, row in zip(objs, rows, strict=True):
            user = getattr(obj, "_history_user", default_user or history.get_default_history_user(obj))
            values = dict(zip((f.attname for f in fields), row, strict=True))
            history_rows.append(
                [values[f.attname] for f in tracked]
                + [
                    getattr(obj, "_history_date", now),
                    get_change_reason_from_object(obj) or None,  # as bulk_create_with_history leaves it
                    "+",
                    getattr(user, "pk", None),
                ]
            )
        _copy(connection, cursor, history._meta.db_table, columns, history_rows)
    for obj in objs:
        obj._state.adding, obj._state.db = False, alias
    return objs


# Fields whose str, int, bool or None values Django sends to PostgreSQL as they are.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
_PLAIN_VALUES = (str, int, bool, type(None))


def _preparer(field, connection):
    """Return obj -> the value of field to write for a new obj, as bulk_create would write it."""
    if isinstance(field, _PLAIN_FIELDS) and not getattr(field, "auto_now", False):
        attname = field.attname

        def value(obj):
            found = getattr(obj, attname)
            return found if type(found) in _PLAIN_VALUES else field.get_db_prep_save(found, connection)

        return value
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


def _copy(connection, cursor, table: str, columns: list[str], rows: list[list]) -> None:
    quote = connection.ops.quote_name
    # Only the model's own table and column names go into the statement; the rows are data.
    statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
