"""The case store: SQLAlchemy 2 tables, the engine (SQLite in WAL mode by default, or PostgreSQL) and migrations.

Every mutable row carries a `version` column that SQLAlchemy checks on update (`UPDATE ... WHERE version = :seen`), so
two concurrent edits can never both win: the loser gets `StaleVersion`. The audit log, item revisions and issued letters
are append-only, enforced by database triggers created in the migrations.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from openimr.cases.statements import DriverStatement


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of the case store."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class UserRow(Base):
    """An API user and their role; their bearer tokens are `TokenRow`s."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("reviewers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TokenRow(Base):
    """A bearer token of a user: only its SHA-256 is stored; it may expire and be revoked; its last use is kept."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    last_used_at: Mapped[dt.datetime | None]


class SignInFailureRow(Base):
    """Failed sign-ins of one client address in its current window (from its first failure, `window_start`): counted in
    the database so that every server process limits the same client alike (`openimr.cases.sign_ins`)."""

    __tablename__ = "sign_in_failures"
    client: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(index=True)
    failures: Mapped[int] = mapped_column(Integer)


class ReviewerRow(Base):
    """A reviewer of the pool; `profile` is a `ReviewerProfile` as JSON."""

    __tablename__ = "reviewers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    profile: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseRow(Base):
    """An IMR case: the application's facts, its state, its reviewer and its deadlines."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    screening_outcome: Mapped[str | None] = mapped_column(String(20))
    screening_reasons: Mapped[list[Any]] = mapped_column(default=list)
    priority: Mapped[str] = mapped_column(String(20))
    worker_id: Mapped[str] = mapped_column(String(200))
    claim_number: Mapped[str] = mapped_column(String(200))
    duplicate_key: Mapped[str] = mapped_column(String(64), unique=True)
    application: Mapped[dict[str, Any]] = mapped_column(comment="The first application as filed (Application JSON).")
    injury_date: Mapped[dt.date | None] = mapped_column(Date)
    ur_decision_date: Mapped[dt.date] = mapped_column(Date)
    application_received: Mapped[dt.date] = mapped_column(Date)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("reviewers.id"), index=True)
    assigned_at: Mapped[dt.datetime | None]
    notice_method: Mapped[str | None] = mapped_column(String(20))
    records_due: Mapped[dt.datetime | None]
    records_received_at: Mapped[dt.datetime | None]
    determination_due: Mapped[dt.datetime | None]
    drafting_error: Mapped[str | None] = mapped_column(Text)
    consolidated_into: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    signed_at: Mapped[dt.datetime | None]
    signed_by: Mapped[str | None] = mapped_column(String(200))
    issued_at: Mapped[dt.datetime | None]
    summary: Mapped[str | None] = mapped_column(Text, comment="The Clinical Case Summary as the reviewer has it.")
    summary_version: Mapped[int] = mapped_column(Integer, default=0, comment="0 before the draft, +1 per edit.")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    items: Mapped[list[ItemRow]] = relationship(order_by="ItemRow.position", back_populates="case")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ApplicationRow(Base):
    """Every application filed, including duplicates linked to the case they duplicate."""

    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    duplicate: Mapped[bool] = mapped_column(Boolean)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    filed_by: Mapped[str] = mapped_column(String(200))


class ItemRow(Base):
    """A disputed item and, once drafted, its current decision, rationale, guideline line and criterion overrides.

    `version` counts revisions and is set by the workflow, not by every UPDATE: 0 before the draft, 1 for the engine's,
    one more for each edit, so an item at version n has revisions 1..n. It is still checked on update.
    """

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    request: Mapped[str] = mapped_column(Text)
    ur_outcome: Mapped[str] = mapped_column(String(40))
    ur_guideline: Mapped[str | None] = mapped_column(Text)
    original_request: Mapped[str | None] = mapped_column(Text)
    authorized: Mapped[str | None] = mapped_column(Text)
    excluded_reason: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20))
    rationale: Mapped[str | None] = mapped_column(Text)
    guideline: Mapped[str | None] = mapped_column(Text, comment="The organization's guideline line the letter prints.")
    criteria_overrides: Mapped[dict[str, Any] | None] = mapped_column(JSON, comment="Reviewer's criterion statuses by id.")
    engine_determination: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, deferred=True, comment="The engine's ItemDetermination (loaded when used, not with every view)."
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    case: Mapped[CaseRow] = relationship(back_populates="items")
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class ItemRevisionRow(Base):
    """One version of an item: revision 1 is the engine's draft, later ones the reviewer's; revision n is item version n."""

    __tablename__ = "item_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    rationale: Mapped[str] = mapped_column(Text)
    guideline: Mapped[str | None] = mapped_column(Text)
    criteria_overrides: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DraftRow(Base):
    """The engine's draft determination, with the engine and knowledge versions that produced it. One per case."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    engine_version: Mapped[str | None] = mapped_column(String(100))
    knowledge_version: Mapped[str | None] = mapped_column(String(100))
    determination: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class JobRow(Base):
    """A unit of background work on a case (one per kind and case): queued, running under a lease, done or failed.

    A running job whose lease has passed is taken again by any worker: its worker died or stalled.
    """

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("kind", "case_id", name="uq_jobs_kind_case"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[dt.datetime]
    lease_until: Mapped[dt.datetime | None]
    worker: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DocumentRow(Base):
    """A case document: its bytes live in the document store under `id`; the original name is for display only."""

    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date | None] = mapped_column(Date)
    filename: Mapped[str | None] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    page_offsets: Mapped[list[Any] | None] = mapped_column(JSON, comment="Character offset where each page starts.")
    ocr_pages: Mapped[list[Any] | None] = mapped_column(JSON, comment="Pages (from 0) whose text was read by OCR.")
    ocr_state: Mapped[str | None] = mapped_column(String(20), comment="OcrState of a scanned upload; none: nothing for OCR.")
    uploaded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LetterRow(Base):
    """The issued Final Determination Letter, PDF and JSON, with their digests. Never updated."""

    __tablename__ = "letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    json: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    json_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(200))


class AuditRow(Base):
    """One change: who, when, what, and the record before and after. Append-only and hash-chained (`cases.audit`)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AuditHeadRow(Base):
    """The head of the audit chain (one row, id 1): the last entry's seq and hash. Locked by every appending transaction."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


APPEND_ONLY_TABLES = ("audit_log", "item_revisions", "letters", "applications")


BUSY_TIMEOUT = 30
"""Seconds a SQLite connection waits for another connection's write lock before its statement fails (SQLITE_BUSY)."""


def _into_wal(connection: sqlite3.Connection) -> None:
    """Put a SQLite database in WAL mode (a no-op once it is), waiting up to the busy timeout for another connection
    that puts the same new database in WAL mode at the same moment.

    SQLite changes the journal mode by upgrading a read transaction to a write one, and an upgrade that meets another
    connection's lock fails at once (SQLITE_BUSY without the busy handler: waiting could deadlock), so two processes
    that open one new database together would otherwise fail one time in ten. Once the other is done, the database is
    in WAL mode and the pragma changes nothing."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def make_engine(url: str, writer: bool = False) -> Engine:
    """An engine for `url`. SQLite gets WAL, foreign keys and a busy timeout; its transactions begin explicitly (a
    consistent snapshot for reads), and for a `writer` engine with BEGIN IMMEDIATE, so writers from several processes
    queue for the one write lock instead of failing to upgrade a read lock."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT, "check_same_thread": False, "isolation_level": None},
            pool_size=4 if writer else 20,
            max_overflow=4 if writer else 20,
        )
        begin = DriverStatement(text("BEGIN IMMEDIATE" if writer else "BEGIN"))  # every transaction: on the driver's cursor

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            _into_wal(dbapi_connection)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={1000 * BUSY_TIMEOUT}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            begin.execute(connection)

        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


class WalCheckpoints:
    """SQLite: the WAL checkpointed by a thread of this process, PASSIVE, every `every` seconds, for as long as it runs
    (`start` to `stop`), and never by a COMMIT of `engine`'s connections (`wal_autocheckpoint=0` on them meanwhile).

    SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold: that COMMIT then copies the WAL into
    the database and syncs it, while every write queued behind it waits. A PASSIVE checkpoint copies what no reader
    still needs without taking the write lock, so writers go on meanwhile. Durability is unchanged (the same syncs, by
    another thread). Other processes (`imr` commands, `imr worker`) keep their automatic checkpoints."""

    def __init__(self, engine: Engine, every: float) -> None:
        self.engine = engine
        self.every = every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="openimr-checkpoint", daemon=True)

    def start(self) -> None:
        """Turn the engine's automatic checkpoints off (its pooled connections are made anew) and start checkpointing."""
        event.listen(self.engine, "connect", _no_automatic_checkpoint)
        self.engine.dispose()
        self._thread.start()

    def stop(self) -> None:
        """Checkpoint once more, stop, and give the engine's connections their automatic checkpoints back."""
        self._stopping.set()
        self._thread.join()
        event.remove(self.engine, "connect", _no_automatic_checkpoint)
        self.engine.dispose()

    def _run(self) -> None:
        connection = sqlite3.connect(
            str(self.engine.url.database), timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        try:
            while True:
                stopping = self._stopping.wait(self.every)
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as error:  # a busy database: the next one will do
                    logging.getLogger(__name__).warning("WAL checkpoint failed: %s", error)
                if stopping:
                    return
        finally:
            connection.close()


def _no_automatic_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def session_factory(engine: Engine) -> sessionmaker[Any]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def transaction_id(session: Session) -> int | None:
    """The id of the session's PostgreSQL transaction (given to it now if it has none yet), so that whether it is still
    running can be asked after its connection is gone; None on SQLite, whose transactions end when the call that ran
    them returns."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(session.scalar(text("SELECT pg_current_xact_id()::text::bigint")))


def oldest_running_transaction(session: Session) -> int | None:
    """PostgreSQL: the id below which every transaction has ended, committed or rolled back (a COMMIT whose connection
    broke may still be completing on the server until then). None on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")))


def upgrade(engine: Engine, revision: str = "head") -> bool:
    """Bring the database to the latest schema (or `revision`) with the migrations shipped in the package; True when it
    was empty."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        empty = not inspect(connection).has_table("alembic_version")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return empty
