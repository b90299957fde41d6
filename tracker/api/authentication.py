"""API tokens checked by one plain SQL statement (issue 8): DRF's TokenAuthentication, cheaper per request.

Every API call is authenticated against the database, so a deleted token or a
deactivated user is refused at once, as before; what changes is only how the
row is read: DRF's ``select_related("user").get(key=…)`` builds and compiles
its query on every request, which costs more than reading the row. The
statement here is written once per process from the models' columns (and, on
PostgreSQL, planned once per connection), and its values are converted as the
ORM converts them.
"""

from __future__ import annotations

from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from tracker.api.listing import column_converters, converted
from tracker.prepared import planned_once_cursor


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        token = token_with_user(self.get_model(), key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


_statements: dict = {}


def token_with_user(model, key: str):
    """Return the token whose key is key, its user attached (as select_related would), or None."""
    connection = connections[router.db_for_read(model)]
    statement = _statements.get((model, connection.alias))
    if statement is None:
        statement = _statements[(model, connection.alias)] = _statement(model, connection)
    sql, token_fields, user_fields, converters = statement
    with planned_once_cursor(connection) as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = converted(row, converters, connection)
    token = model.from_db(connection.alias, [f.attname for f in token_fields], values[: len(token_fields)])
    user_model = model._meta.get_field("user").related_model
    user = user_model.from_db(connection.alias, [f.attname for f in user_fields], values[len(token_fields) :])
    model._meta.get_field("user").set_cached_value(token, user)
    return token


def _statement(model, connection):
    q = connection.ops.quote_name
    user_model = model._meta.get_field("user").related_model
    token_fields = list(model._meta.concrete_fields)
    user_fields = list(user_model._meta.concrete_fields)
    columns = [f"t.{q(f.column)}" for f in token_fields] + [f"u.{q(f.column)}" for f in user_fields]
    user_column = model._meta.get_field("user").column
    key_column = model._meta.get_field("key").column
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(model._meta.db_table)} t "  # noqa: S608 (models' names)
        f"JOIN {q(user_model._meta.db_table)} u ON u.{q(user_model._meta.pk.column)} = t.{q(user_column)} "
        f"WHERE t.{q(key_column)} = %s"
    )
    converters = column_converters([("t", f) for f in token_fields] + [("u", f) for f in user_fields], connection)
    return sql, token_fields, user_fields, converters
