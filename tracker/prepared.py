"""Statements PostgreSQL plans once per connection, for the hot paths that run the same statement again and again.

Django's psycopg cursors bind parameters on the client, so the server plans every statement anew; on the
desk's hottest statements (the API's page, the token read, a claim's locked read and its one-statement save)
planning costs about what running them does (issue 8).
"""

from __future__ import annotations

import functools
import weakref

from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def planned_once_cursor(connection):
    """A cursor (wrapped as Django wraps its own) whose repeated statements PostgreSQL plans once per connection.

    Django's psycopg cursors bind parameters on the client, so the server plans every statement anew; planning
    the page's statement costs about what running it does. This one binds them on the server and prepares
    each statement on first use (psycopg keeps the last hundred per connection, and prepares them again on a
    new connection). Elsewhere, Django's own cursor.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold is None:
            # None turns psycopg's preparing off altogether; a threshold never reached prepares only what
            # asks to be (Django's client-side cursors never do).
            raw.prepare_threshold = 2**31 - 1
        if raw not in _generic_sessions and not connection.in_atomic_block:
            # What this cursor prepares is planned once for every value: left to choose, PostgreSQL keeps
            # planning the page with a cursor position anew for each position. Only statements prepared on the
            # session are concerned, and only these cursors prepare any. Set up as Django sets up a session
            # (init_connection_state), outside any transaction so that it stays.
            raw.execute("SET plan_cache_mode = force_generic_plan")
            _generic_sessions.add(raw)
        cursor = _preparing_cursor_class()(raw)
        # As DatabaseWrapper.create_cursor does: the connection's time zone, if its loader disagrees.
        loader = raw.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
        connection.validate_thread_sharing()
        if connection.queries_logged:
            return _LoggedCursor(cursor, connection)
        return connection.make_cursor(cursor)


_TIMESTAMPTZ_OID = 1184
_generic_sessions: weakref.WeakSet = weakref.WeakSet()


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, **kwargs):
            return super().execute(query, params, prepare=True if prepare is None else prepare, **kwargs)

    return PreparingCursor


class _LoggedCursor(CursorDebugWrapper):
    """Django's debug cursor, logging the statement with its values written in (as Django's client-side cursors
    log theirs): psycopg keeps no text of a statement it ran prepared."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)
