"""Statements the busiest writes run on the database driver's own cursor: each filing's inserts and every audit entry.

SQLAlchemy's Core spends ~0.1 ms of CPU on each statement it executes (its execution context, parameter processing,
result object and events) where the driver spends a few microseconds: for a filing's eight statements, a quarter of the
server's CPU time a filing. A `DriverStatement` is a Core statement compiled by SQLAlchemy once per dialect and set of
parameters; it runs on the cursor of the connection the caller's transaction already holds (`Session.connection()`), so
it is part of that transaction, its savepoints and its COMMIT. What it keeps of SQLAlchemy:

- the SQL is SQLAlchemy's for the dialect (placeholders, casts, RETURNING), and each value goes through its column type's
  own bind processor (JSON, the UTC timestamps, dates), so the rows are the ones Core would write;
- a driver error is raised as SQLAlchemy raises it (`sqlalchemy.exc.DBAPIError` and its subclasses, so the app answers
  503 for `OperationalError`), and a connection the dialect finds gone is invalidated, to be replaced at its next use.

What it does not do: compute Python-side column defaults (a statement that would need one is refused when compiled: give
every such column a value) or process results (it returns the driver's rows: use it for integers and strings).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Row = tuple[Any, ...]


@dataclass(frozen=True)
class _Compiled:
    """A statement's SQL for one dialect and the parameters it binds, in the driver's order."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    constants: Mapping[str, Any]
    """The values of the binds the statement itself sets (as `id = 1` in a WHERE clause)."""
    positional: bool

    def parameters(self, given: Mapping[str, Any]) -> Any:
        """The driver's parameters for one set of values (named as the statement's binds): a list, or a dict for a
        driver taking named parameters."""
        values = [
            value if process is None else process(value)
            for process, value in zip(
                self.processors, (given[name] if name in given else self.constants[name] for name in self.names), strict=True
            )
        ]
        return values if self.positional else dict(zip(self.names, values, strict=True))


class DriverStatement:
    """A Core statement run on the driver's cursor of a SQLAlchemy connection (see the module's docstring)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}

    def execute(self, connection: Connection, values: Mapping[str, Any] | None = None) -> list[Row]:
        """Run the statement once with `values` (by bind or column name) in the connection's transaction; the rows it
        returned (RETURNING, SELECT), as the driver gives them."""
        given = values or {}
        compiled = self._for(connection.dialect, given)
        return _run(connection, compiled.sql, compiled.parameters(given), many=False)

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once for each of `rows` (each with the same keys) in the connection's transaction."""
        if rows:
            compiled = self._for(connection.dialect, rows[0])
            _run(connection, compiled.sql, [compiled.parameters(row) for row in rows], many=True)

    def _for(self, dialect: Dialect, given: Mapping[str, Any]) -> _Compiled:
        key = (dialect.name, frozenset(given))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(self.statement, dialect, list(given))
        return compiled


def _compile(statement: ClauseElement, dialect: Dialect, keys: list[str]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    assert isinstance(compiled, SQLCompiler)
    if compiled.insert_prefetch or compiled.update_prefetch:
        missing = ", ".join(sorted(column.name for column in [*compiled.insert_prefetch, *compiled.update_prefetch]))
        raise ValueError(f"give a value for each column with a Python-side default ({missing}): {statement}")
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else tuple(binds)
    return _Compiled(
        sql=compiled.string,
        names=names,
        processors=tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names),
        constants={name: bind.effective_value for name, bind in binds.items() if not bind.required},
        positional=compiled.positional,
    )


def _run(connection: Connection, sql: str, parameters: Any, many: bool) -> list[Row]:
    """Execute on a cursor of the connection's driver connection; the rows returned. A driver error is raised as SQLAlchemy
    raises it, and a connection the dialect finds gone is invalidated (as `Connection.execute` would)."""
    dialect = connection.dialect
    cursor: DBAPICursor | None = None
    try:
        cursor = connection.connection.cursor()
        if many:
            cursor.executemany(sql, parameters)
            return []
        cursor.execute(sql, parameters)
        return list(cursor.fetchall()) if cursor.description is not None else []
    except dialect.loaded_dbapi.Error as error:
        gone = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        base = dialect.loaded_dbapi.Error
        wrapped = DBAPIError.instance(sql, parameters, error, base, connection_invalidated=gone, dialect=dialect, ismulti=many)
        if gone:
            connection.invalidate(error)
        raise wrapped from error
    finally:
        if cursor is not None:
            with contextlib.suppress(dialect.loaded_dbapi.Error):
                cursor.close()
