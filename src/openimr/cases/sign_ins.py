"""Failed sign-ins limited per client address, for every process of the service at once.

A client's failures are counted in the database (`SignInFailureRow`: one row per client address, the window its count
belongs to), so the server processes of `imr serve --workers N`, and servers on other hosts over the same database,
limit one client together: past `max_failures` within the window that began at its first failure, the client is
refused (`LockedOut`) until that window ends; the next failure after it begins a new window.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

from openimr.cases.context import ServiceContext
from openimr.cases.statements import DriverStatement
from openimr.cases.store import SignInFailureRow

CLIENT_LENGTH = 100
"""How much of a client's address is kept (an IPv6 address is at most 45 characters)."""

_LOCKED = DriverStatement(
    select(SignInFailureRow.window_start).where(
        SignInFailureRow.client == bindparam("client"),
        SignInFailureRow.failures >= bindparam("max_failures"),
        SignInFailureRow.window_start > bindparam("passed"),
    )
)
"""The start of the client's window when it has failed too often in it and it has not passed (else no row): read by
every request, on the driver's cursor (so as the driver gives it: `_window_start` reads it)."""


def _window_start(dialect: Dialect, given: Any) -> dt.datetime:
    """A window's start as `_LOCKED` gives it, read as SQLAlchemy reads the column (SQLite keeps it as text)."""
    read = SignInFailureRow.__table__.c.window_start.type.dialect_impl(dialect).result_processor(dialect, None)
    started = read(given) if read is not None else given
    assert isinstance(started, dt.datetime)
    return started


@dataclass(frozen=True)
class LockedOut:
    """A client that failed to sign in too often: refused, without its token being looked at, for `retry_after` s."""

    retry_after: int


class SignInLimiter:
    """Failed sign-ins per client address in a window, counted in the database the `context` writes."""

    def __init__(self, context: ServiceContext, max_failures: int, window: dt.timedelta) -> None:
        self.context = context
        self.max_failures = max_failures
        self.window = window

    def locked_out(self, connection: Connection, client: str, now: dt.datetime) -> LockedOut | None:
        """Whether `client` must wait before it may try again, read on `connection` (the caller's read of the token)."""
        given = {"client": client[:CLIENT_LENGTH], "max_failures": self.max_failures, "passed": now - self.window}
        found = _LOCKED.execute(connection, given)
        if not found:
            return None
        started = _window_start(connection.dialect, found[0][0])
        return LockedOut(max(1, math.ceil((started + self.window - now).total_seconds())))

    def failed(self, client: str, now: dt.datetime) -> None:
        """Count one failed sign-in of `client`: in its window, or in a new one from `now` when its window has passed.
        One statement (an upsert), so failures counted at once by several processes are all counted; windows passed
        are removed at the same time."""
        passed = SignInFailureRow.window_start <= now - self.window
        with self.context.transaction(f"sign-ins from {client}") as session:
            dialect = session.get_bind().dialect.name
            insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SignInFailureRow)
            session.execute(
                insert.values(client=client[:CLIENT_LENGTH], window_start=now, failures=1).on_conflict_do_update(
                    index_elements=[SignInFailureRow.client],
                    set_={
                        "failures": case((passed, 1), else_=SignInFailureRow.failures + 1),
                        "window_start": case((passed, insert.excluded.window_start), else_=SignInFailureRow.window_start),
                    },
                )
            )
            session.execute(delete(SignInFailureRow).where(passed), execution_options={"synchronize_session": False})
