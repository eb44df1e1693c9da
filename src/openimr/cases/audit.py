"""The tamper-evident audit log: each entry carries a SHA-256 over its content and the previous entry's hash.

Entries are numbered `seq` 1, 2, 3, ... in the order they were chained. `entry_hash` is
`sha256(prev_hash + canonical JSON of (seq, case_id, at, actor, action, before, after))`, with `prev_hash` of the first
entry `GENESIS`. The head of the chain (last seq and hash) is one row, locked by each transaction that appends (a row lock
on PostgreSQL, the single writer on SQLite), so concurrent writers extend one chain and never fork it. Changing, removing
or inserting an entry anywhere breaks the link after it: `verify` names the first broken one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from openimr.cases.statements import DriverStatement
from openimr.cases.store import AuditHeadRow, AuditRow

GENESIS = "0" * 64


def entry_hash(
    prev_hash: str,
    seq: int,
    case_id: int | None,
    at: dt.datetime,
    actor: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> str:
    """The hash of one audit entry chained to the previous entry's hash."""
    content = {
        "seq": seq,
        "case_id": case_id,
        "at": at.astimezone(dt.UTC).isoformat(),
        "actor": actor,
        "action": action,
        "before": before,
        "after": after,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


# Compiled once; run on the driver's cursor (every write of the service appends an entry).
_LOCK_HEAD = DriverStatement(select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1).with_for_update())
_INSERT_ENTRY = DriverStatement(insert(AuditRow))
_MOVE_HEAD = DriverStatement(
    update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def append(
    session: Session,
    case_id: int | None,
    at: dt.datetime,
    actor: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Add an entry at the head of the chain, in the caller's transaction (the head stays locked until it ends)."""
    head = lock_head(session)
    session.flush()  # what the entry is about is written first (the entry refers to its case)
    connection = session.connection()
    at = at.astimezone(dt.UTC)
    seq, prev_hash = head[0] + 1, head[1]
    digest = entry_hash(prev_hash, seq, case_id, at, actor, action, before, after)
    entry = {"seq": seq, "prev_hash": prev_hash, "hash": digest, "case_id": case_id, "at": at, "actor": actor}
    _INSERT_ENTRY.execute(connection, {**entry, "action": action, "before": before, "after": after})
    _MOVE_HEAD.execute(connection, {"new_seq": seq, "new_hash": digest})
    session.info["audit_head"] = (seq, digest)


def lock_head(session: Session) -> tuple[int, str]:
    """Lock the head of the chain for the rest of the transaction (if not yet) and return its seq and hash.

    Every transaction that appends holds the head until it ends, so a transaction that also locks other rows (the
    reviewer pool, a job) takes the head first: with one order of locks, two transactions cannot deadlock."""
    head: tuple[int, str] | None = session.info.get("audit_head")
    if head is None:
        [(seq, digest)] = _LOCK_HEAD.execute(session.connection())
        head = session.info["audit_head"] = (seq, digest)
    return head


@dataclass(frozen=True)
class Verification:
    """The result of walking the chain: how many entries were checked and the first broken link, if any."""

    entries: int
    broken_at: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        """True when every link holds."""
        return self.problem is None


def verify_entries(rows: Iterable[AuditRow], head_seq: int, head_hash: str) -> Verification:
    """Check entries given in `seq` order against each other and against the chain's head."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for row in rows:
        where = f"entry seq {row.seq} (id {row.id})"
        if row.seq != expected_seq:
            return Verification(checked, row.seq, f"{where}: expected seq {expected_seq}: an entry is missing or was inserted")
        if row.prev_hash != prev:
            return Verification(checked, row.seq, f"{where}: its prev_hash does not match the hash of the entry before it")
        recomputed = entry_hash(prev, row.seq, row.case_id, row.at, row.actor, row.action, row.before, row.after)
        if recomputed != row.hash:
            return Verification(checked, row.seq, f"{where}: its content does not match its hash (changed after it was written)")
        prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    if head_seq != checked or head_hash != prev:
        problem = f"the chain ends at seq {checked} but its head says seq {head_seq}: entries were removed"
        return Verification(checked, checked + 1, problem)
    return Verification(checked)


def verify(session: Session, batch: int = 2000) -> Verification:
    """Walk the whole audit log in `seq` order and report the first broken link."""
    head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
    rows = session.execute(select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=batch)).scalars()
    return verify_entries(rows, head.seq, head.hash)
