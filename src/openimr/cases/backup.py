"""Backups of the case store: the database and the documents its rows refer to, consistent with each other.

A backup is a folder: `openimr.db` (a SQLite database at the same schema revision), `documents/` (the files of every
document row in it) and `manifest.json`. From SQLite it is taken with SQLite's online backup API while the server runs;
from PostgreSQL by copying every table in one repeatable-read snapshot. The documents are copied after the database:
files are never changed or removed while their row exists, and a row is committed only after its file is on disk, so
every row of the snapshot finds its file. The folder is written under a temporary name and renamed when complete.

Restoring replaces the target database's content and documents with the backup's: stop the server first (a restore refuses
to run while a server holds the document store, and no server starts on it until the restore is done).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, MetaData, Table, delete, func, insert, select, text
from sqlalchemy.engine import make_url

from openimr.cases.store import Base, make_engine, upgrade
from openimr.cases.uploads import DocumentStore
from openimr.errors import OpenIMRError
from openimr.settings import redact

DATABASE = "openimr.db"
DOCUMENTS = "documents"
MANIFEST = "manifest.json"
_CHUNK = 500


@dataclass(frozen=True)
class BackupReport:
    """What a backup or a restore held."""

    path: Path
    revision: str
    rows: dict[str, int]
    documents: int


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _tables() -> list[Table]:
    """Every table of the store, parents before children, with the chain's head."""
    return list(Base.metadata.sorted_tables)


def _copy_rows(source: Engine, target: Engine, snapshot: bool) -> dict[str, int]:
    """Copy every table's rows from `source` into the (empty, migrated) `target`; the row counts."""
    counts: dict[str, int] = {}
    options = {"isolation_level": "REPEATABLE READ"} if snapshot else {}
    with source.connect().execution_options(**options) as reading, target.begin() as writing:
        for table in _tables():
            if table.name == "audit_head":  # the migrations seed the chain's head
                writing.execute(delete(table))
            rows = reading.execute(select(table)).mappings()
            batch: list[dict[str, object]] = []
            counts[table.name] = 0
            for row in rows:
                batch.append(dict(row))
                if len(batch) == _CHUNK:
                    writing.execute(insert(table), batch)
                    counts[table.name] += len(batch)
                    batch = []
            if batch:
                writing.execute(insert(table), batch)
                counts[table.name] += len(batch)
    return counts


def _document_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT id FROM documents")).scalars())


def _copy_documents(ids: list[str], source: DocumentStore, target_root: Path) -> None:
    target = DocumentStore(target_root)
    for document_id in ids:
        destination = target.path(document_id)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source.path(document_id), destination)


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def backup(url: str, documents: DocumentStore, path: Path) -> BackupReport:
    """Back up the database at `url` and its documents into the new folder `path`."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise OpenIMRError("already exists and is not an empty folder: give a new path", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    source = make_engine(url)
    revision = _revision(source)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        copy = staging / DATABASE
        sqlite_source = _sqlite_file(url)
        if sqlite_source is not None:
            with closing(sqlite3.connect(sqlite_source)) as live, closing(sqlite3.connect(copy)) as out:
                live.backup(out)
            target = make_engine(f"sqlite:///{copy}", writer=True)
            with target.connect() as connection:
                rows = {t.name: int(connection.execute(select(func.count()).select_from(t)).scalar_one()) for t in _tables()}
        else:
            target = make_engine(f"sqlite:///{copy}", writer=True)
            upgrade(target, revision)
            rows = _copy_rows(source, target, snapshot=True)
        ids = _document_ids(target)
        target.dispose()
        _copy_documents(ids, documents, staging / DOCUMENTS)
        manifest = {
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "source": make_url(url).render_as_string(hide_password=True),
            "revision": revision,
            "rows": rows,
            "documents": len(ids),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if path.exists():
            path.rmdir()
        os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        source.dispose()
    return BackupReport(path, revision, rows, len(ids))


def restore(path: Path, url: str, documents: DocumentStore) -> BackupReport:
    """Replace the database at `url` and its documents with the backup in `path` (the server must be stopped)."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise OpenIMRError(f"not an openimr backup (no readable {MANIFEST}: {error})", str(path)) from None
    copy = path / DATABASE
    if not copy.is_file():
        raise OpenIMRError(f"not an openimr backup (no {DATABASE})", str(path))
    backup_engine = make_engine(f"sqlite:///{copy}")
    revision = _revision(backup_engine)
    ids = _document_ids(backup_engine)
    missing = [i for i in ids if not DocumentStore(path / DOCUMENTS).path(i).is_file()]
    if missing:
        raise OpenIMRError(f"the backup lacks {len(missing)} document file(s), e.g. {missing[0]}", str(path))
    with documents.alone() as alone:  # no server may use the store meanwhile, nor start before the restore is done
        if not alone:
            raise OpenIMRError("a server (imr serve) is using its document store: stop it, then restore", redact(url))
        rows = _restore_database(copy, backup_engine, revision, url, manifest)
        _replace_documents(ids, DocumentStore(path / DOCUMENTS), documents)
    backup_engine.dispose()
    return BackupReport(path, revision, rows, len(ids))


def _restore_database(copy: Path, backup_engine: Engine, revision: str, url: str, manifest: dict[str, Any]) -> dict[str, int]:
    """Replace the content of the database at `url` with the backup's; the row counts."""
    target_file = _sqlite_file(url)
    if target_file is not None:
        target_file.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(copy)) as saved, closing(sqlite3.connect(target_file)) as live:
            saved.backup(live)
        return dict(manifest.get("rows", {}))
    target = make_engine(url, writer=True)
    _drop_everything(target)
    upgrade(target, revision)
    rows = _copy_rows(backup_engine, target, snapshot=False)
    _reset_sequences(target)
    target.dispose()
    return rows


def _drop_everything(engine: Engine) -> None:
    """Drop the store's tables, triggers' functions and migration record (PostgreSQL)."""
    with engine.begin() as connection:
        reflected = MetaData()
        reflected.reflect(connection)
        reflected.drop_all(connection)
        connection.execute(text("DROP FUNCTION IF EXISTS openimr_append_only() CASCADE"))


def _reset_sequences(engine: Engine) -> None:
    """Point each id sequence past the restored rows (PostgreSQL)."""
    with engine.begin() as connection:
        for table in _tables():
            if "id" in table.c and isinstance(table.c.id.type, Integer):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
                )


def _replace_documents(ids: list[str], source: DocumentStore, target: DocumentStore) -> None:
    """The target store holds exactly the backup's documents afterwards."""
    keep = set(ids)
    for document_id in ids:
        destination = target.path(document_id)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source.path(document_id), destination)
    target.sweep(keep)
