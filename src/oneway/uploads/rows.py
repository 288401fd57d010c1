"""Reading and writing an upload's row on the per-chunk path, without the ORM's query
building.

Every PATCH of every upload reads the row twice (once to refuse early, once under the row
lock) and writes it once (a middle chunk of a recording, on the chunk lane, reads it once,
under the lock). Profiled under the ingest benchmark, the ORM's query
compilation for those three statements cost more CPU than everything else the server does
for a 300 KB chunk (about 2 ms of 5 per PATCH); these plain statements cost a fifth of
that. They are portable (SQLite and PostgreSQL) and go through the fields' own
conversions, so the Upload objects they return are the ones the ORM would build.

On PostgreSQL single statements run on psycopg cursors with server-side binding
(parameters travel apart from the statement, so nothing is quoted into SQL text in
Python), and ``row_lock_in_two_trips`` gives the hot path of a PATCH its transaction in two
round trips instead of four: BEGIN with SELECT ... FOR UPDATE, then UPDATE with COMMIT.
(psycopg's pipeline mode would do the same, but its wait loop polls the socket for
writing as well as reading and spins: it cost more CPU than the round trips it saved.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from oneway.uploads.models import Upload

Converter = Callable[[Any, Any, Any], Any]
# Identifiers in the statements below come from the model's own metadata (quoted by the
# backend); every value is a query parameter.
_PK = cast("models.Field[Any, Any]", Upload._meta.pk)


def _column(name: str) -> str:
    """The quoted column of the upload's field ``name``."""
    field = cast("models.Field[Any, Any]", Upload._meta.get_field(name))
    return str(connection.ops.quote_name(field.column))


def _table_and_pk() -> tuple[str, str]:
    """The quoted table and primary-key column of uploads."""
    quote = connection.ops.quote_name
    return quote(Upload._meta.db_table), quote(_PK.column)


@cache
def _select_sql(for_update: bool) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in Upload._meta.concrete_fields)
    table, pk = _table_and_pk()
    sql = f"SELECT {columns} FROM {table} WHERE {pk} = %s"  # noqa: S608
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql


@cache
def _converters() -> list[tuple[int, Any, list[Converter]]]:
    """(position, column, converters) of the columns that need converting."""
    table = Upload._meta.db_table
    result = []
    for position, field in enumerate(Upload._meta.concrete_fields):
        column = field.get_col(table)
        # What the ORM's compiler applies to each column (backend first, then the field).
        converters = connection.ops.get_db_converters(column)
        converters += column.get_db_converters(connection)
        if converters:
            result.append((position, column, converters))
    return result


_ATTNAMES = [field.attname for field in Upload._meta.concrete_fields]


def _db() -> BaseDatabaseWrapper:
    """This thread's connection, looked up once per call (every attribute access through
    ``django.db.connection`` looks it up again)."""
    return connections[DEFAULT_DB_ALIAS]


def _native(db: BaseDatabaseWrapper) -> bool:
    """PostgreSQL through psycopg 3: use its own cursors (server-side binding)."""
    return db.vendor == "postgresql" and _psycopg3()


@cache
def _psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return bool(is_psycopg3)


@contextmanager
def _cursor(db: BaseDatabaseWrapper) -> Iterator[Any]:
    if not _native(db):
        with db.cursor() as cursor:
            yield cursor
        return
    import psycopg

    db.ensure_connection()
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        yield cursor


def _from_row(db: BaseDatabaseWrapper, row: tuple[Any, ...] | None) -> Upload | None:
    if row is None:
        return None
    values = list(row)
    for position, column, converters in _converters():
        value = values[position]
        for converter in converters:
            value = converter(value, column, db)
        values[position] = value
    return Upload.from_db(db.alias, _ATTNAMES, values)


def fetch_upload(upload_id: uuid.UUID, *, for_update: bool = False) -> Upload | None:
    """The upload, or None. ``for_update`` locks its row until the transaction ends."""
    db = _db()
    pk = _PK.get_db_prep_value(upload_id, db)
    with _cursor(db) as cursor:
        cursor.execute(_select_sql(for_update), [pk])
        row = cursor.fetchone()
    return _from_row(db, row)


@cache
def _update_sql(names: tuple[str, ...]) -> tuple[str, list[models.Field[Any, Any]]]:
    fields = [cast("models.Field[Any, Any]", Upload._meta.get_field(name)) for name in names]
    assignments = ", ".join(f"{_column(name)} = %s" for name in names)
    table, pk = _table_and_pk()
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    return sql, fields


def _update_statement(
    db: BaseDatabaseWrapper, upload: Upload, names: Iterable[str]
) -> tuple[str, list[Any]]:
    sql, fields = _update_sql(tuple(names))
    params: list[Any] = []
    for field in fields:
        if getattr(field, "auto_now", False):
            field.pre_save(upload, add=False)
        params.append(field.get_db_prep_save(getattr(upload, field.attname), db))
    params.append(_PK.get_db_prep_value(upload.pk, db))
    return sql, params


def save_upload_fields(upload: Upload, names: Iterable[str]) -> None:
    """UPDATE only ``names`` of ``upload`` (like ``save(update_fields=...)``)."""
    db = _db()
    sql, params = _update_statement(db, upload, names)
    with _cursor(db) as cursor:
        cursor.execute(sql, params)


def can_lock_in_two_trips(db: BaseDatabaseWrapper | None = None) -> bool:
    """Whether ``row_lock_in_two_trips`` (or ``chunk_lock``) can run here: PostgreSQL,
    outside any atomic block (it runs its own transaction, which Django's must not wrap).
    ``db``: this thread's connection, if the caller has it at hand."""
    db = db or _db()
    return _native(db) and not db.in_atomic_block


class TwoTripLock:
    """The upload's row, locked, and the one thing to do with it: ``commit(names)``."""

    def __init__(self, db: BaseDatabaseWrapper, cursor: Any, upload: Upload | None) -> None:
        self._db = db
        self._cursor = cursor
        self.upload = upload
        self.committed = False

    def commit(self, names: Iterable[str]) -> None:
        """UPDATE ``names`` and COMMIT, sent together: when this returns, the change is
        committed; an error raises (and the transaction is rolled back)."""
        assert self.upload is not None
        sql, params = _update_statement(self._db, self.upload, names)
        self._cursor.execute(sql + "; COMMIT", params)
        self.committed = True


@contextmanager
def _two_trips(
    select_sql: str, upload_id: uuid.UUID, db: BaseDatabaseWrapper | None = None
) -> Iterator[tuple[BaseDatabaseWrapper, Any]]:
    """``BEGIN; <select_sql> FOR UPDATE`` as one query; the block gets the connection and
    the cursor positioned on the row, sends ``...; COMMIT`` or leaves, and whatever
    happened, a transaction still open or aborted is rolled back before the connection is
    used again. ``db``: this thread's connection, if the caller has it at hand."""
    import psycopg

    db = db or _db()
    assert can_lock_in_two_trips(db), "needs PostgreSQL outside atomic blocks"
    pk = _PK.get_db_prep_value(upload_id, db)
    db.ensure_connection()
    raw = db.connection
    try:
        with db.wrap_database_errors, psycopg.ClientCursor(raw) as cursor:
            cursor.execute("BEGIN; " + select_sql, [pk])
            cursor.nextset()  # past BEGIN's empty result, to the row
            yield db, cursor
    finally:
        # Whatever happened (a refusal, an error of ours or of the server's), a
        # transaction still open or aborted ends here, before the connection is reused.
        if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with db.wrap_database_errors:
                raw.rollback()


@contextmanager
def row_lock_in_two_trips(upload_id: uuid.UUID) -> Iterator[TwoTripLock]:
    """Lock an upload's row in a transaction of its own, two round trips in all
    (PostgreSQL): ``BEGIN; SELECT ... FOR UPDATE`` as one query, then, from ``commit``,
    ``UPDATE ...; COMMIT`` as another (the simple query protocol runs several statements
    per query; client-side binding, as Django's own cursors use, makes that possible).

    The block gets the locked upload (None if there is none) and either calls
    ``commit(names)`` or leaves; leaving any other way rolls the transaction back.
    """
    with _two_trips(_select_sql(True), upload_id) as (db, cursor):
        yield TwoTripLock(db, cursor, _from_row(db, cursor.fetchone()))


# --- The chunk lane's statements (chunklane.py) ----------------------------------------
# A middle chunk needs a few columns of the row, not an Upload object: reading them as
# plain values costs a fraction of building the model instance (three JSON fields, eight
# converted columns).


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """What a middle chunk's checks read of its upload's row."""

    offset: int
    length: int | None
    max_size: int | None
    backend: str
    prefix_checked: bool
    completed: bool
    expired: bool  # by the database's clock, as are the two below
    expires_epoch: float  # seconds since the epoch
    capability_hash: str
    capability_live: bool  # it has a capability, valid until now or later


@cache
def _chunk_row_sql() -> str:
    expires, until = _column("expires_at"), _column("capability_until")
    columns = ", ".join(
        [
            *(_column(name) for name in ("offset", "length", "max_size", "backend")),
            _column("prefix_checked"),
            f"{_column('completed_at')} IS NOT NULL",
            f"{expires} <= now()",
            f"extract(epoch from {expires})::float8",
            _column("capability_hash"),
            f"COALESCE({until} >= now(), false)",
        ]
    )
    table, pk = _table_and_pk()
    return f"SELECT {columns} FROM {table} WHERE {pk} = %s FOR UPDATE"  # noqa: S608


class ChunkLock:
    """A middle chunk's transaction: what its checks read of the upload's row (None: there
    is no such upload), locked, and ``commit(new_offset)``."""

    def __init__(self, cursor: Any, row: tuple[Any, ...] | None):
        self._cursor = cursor
        self.row = None if row is None else ChunkRow(*row)

    def commit(self, upload_id: uuid.UUID, new_offset: int) -> None:
        """UPDATE the offset (and ``updated_at``, to the transaction's time) and COMMIT,
        sent together."""
        self._cursor.execute(_chunk_commit_sql(), [new_offset, upload_id])


@cache
def _chunk_commit_sql() -> str:
    # updated_at from the database's clock: a timestamp parameter cost the client more to
    # send than the offset, the id and the statement together.
    table, pk = _table_and_pk()
    offset, updated = _column("offset"), _column("updated_at")
    return (
        f"UPDATE {table} SET {offset} = %s, {updated} = now()"  # noqa: S608
        f" WHERE {pk} = %s; COMMIT"
    )


@contextmanager
def chunk_lock(upload_id: uuid.UUID, db: BaseDatabaseWrapper) -> Iterator[ChunkLock]:
    """``row_lock_in_two_trips`` for the chunk lane: the columns a middle chunk checks,
    locked (the times compared by the database and the expiry read as seconds: loading
    three timestamps cost a fifth of the query); ``commit`` or leave (a rollback).
    ``db``: this thread's connection (PostgreSQL)."""
    with _two_trips(_chunk_row_sql(), upload_id, db) as (_db, cursor):
        yield ChunkLock(cursor, cursor.fetchone())
