"""Statements run on the driver's cursor write what SQLAlchemy's Core writes, in the caller's transaction, and fail as
SQLAlchemy fails (its exception classes; a connection gone is invalidated and replaced)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from openimr.cases.services import Services
from openimr.cases.statements import DriverStatement
from openimr.cases.store import AuditHeadRow, CaseRow, DocumentRow, ReviewerRow

AT = dt.datetime(2026, 11, 30, 21, 5, 7, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-8)))


def _writer(services: Services) -> Engine:
    engine: Engine = services.context.write_sessions.kw["bind"]
    return engine


def _case(n: int) -> dict[str, Any]:
    """A case row's columns (every column with a Python-side default given)."""
    return {
        "state": "received",
        "screening_reasons": ["synthetic reason", {"nested": [1, 2.5, None]}],
        "priority": "Standard",
        "worker_id": f"driver-{n}",
        "claim_number": "DRV-1",
        "duplicate_key": f"{n:064d}",
        "application": {"worker_id": f"driver-{n}", "dates": {"ur_decision": "2026-10-01"}, "note": "café ✓"},
        "injury_date": None,
        "ur_decision_date": dt.date(2026, 10, 1),
        "application_received": dt.date(2026, 10, 10),
        "summary_version": 0,
        "version": 1,
        "created_at": AT,
        "updated_at": AT,
    }


def _stored(engine: Engine, case_id: int) -> dict[str, Any]:
    """A case row as the database keeps it (no type processing: the stored text of dates and JSON)."""
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM cases WHERE id = :id"), {"id": case_id}).mappings().one()
    return {name: value for name, value in row.items() if name != "id"}


def test_rows_written_on_the_driver_are_stored_as_core_stores_them(services: Services) -> None:
    engine = _writer(services)
    returning = DriverStatement(insert(CaseRow).returning(CaseRow.id))
    with engine.begin() as connection:
        by_core = connection.scalar(insert(CaseRow).returning(CaseRow.id), _case(1))
        [(by_driver,)] = returning.execute(connection, _case(2))
    assert isinstance(by_driver, int) and by_driver != by_core
    core, driver = _stored(engine, by_core), _stored(engine, by_driver)
    assert {k: v for k, v in driver.items() if k not in ("worker_id", "duplicate_key", "application")} == {
        k: v for k, v in core.items() if k not in ("worker_id", "duplicate_key", "application")
    }, "dates, timestamps (in UTC), JSON and NULLs are stored alike"
    with services.context.sessions() as session:
        case = session.get(CaseRow, by_driver)
        assert case is not None
        assert case.created_at == AT and case.created_at.tzinfo == dt.UTC
        assert case.application == _case(2)["application"] and case.screening_reasons == _case(2)["screening_reasons"]
        assert case.ur_decision_date == dt.date(2026, 10, 1) and case.injury_date is None


def test_many_rows_a_where_clause_constant_and_a_select(services: Services) -> None:
    engine = _writer(services)
    with engine.begin() as connection:
        [(case_id,)] = DriverStatement(insert(CaseRow).returning(CaseRow.id)).execute(connection, _case(3))
        documents = [
            {
                "id": f"00000000-0000-4000-8000-00000000000{n}",
                "case_id": case_id,
                "type": "progress_report",
                "date": dt.date(2026, 9, n + 1),
                "filename": None,
                "media_type": "text/plain",
                "size": 10 + n,
                "sha256": "0" * 64,
                "text": f"Synthetic note {n}.",
                "page_offsets": [0],
                "ocr_pages": [],
                "uploaded_by": "driver test",
                "created_at": AT,
            }
            for n in range(3)
        ]
        DriverStatement(insert(DocumentRow)).execute_many(connection, documents)
        move = update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
        assert DriverStatement(move).execute(connection, {"new_seq": 7, "new_hash": "f" * 64}) == []
        head = DriverStatement(select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1))
        assert head.execute(connection) == [(7, "f" * 64)]
    with services.context.sessions() as session:
        stored = session.scalars(select(DocumentRow).where(DocumentRow.case_id == case_id).order_by(DocumentRow.id)).all()
    assert [(d.date, d.size, d.page_offsets, d.created_at) for d in stored] == [
        (dt.date(2026, 9, n + 1), 10 + n, [0], AT) for n in range(3)
    ]


def test_statements_join_the_transaction_and_its_rollback(services: Services) -> None:
    engine = _writer(services)
    statement = DriverStatement(insert(CaseRow).returning(CaseRow.id))
    with engine.connect() as connection:
        with connection.begin() as transaction:
            statement.execute(connection, _case(4))
            transaction.rollback()
        with connection.begin():
            statement.execute(connection, _case(5))
    with engine.connect() as connection:
        assert list(connection.scalars(select(CaseRow.worker_id))) == ["driver-5"]


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(services: Services) -> None:
    engine = _writer(services)
    statement = DriverStatement(insert(CaseRow).returning(CaseRow.id))
    with engine.connect() as connection, connection.begin():
        statement.execute(connection, _case(6))
        with pytest.raises(IntegrityError) as raised:
            statement.execute(connection, _case(6))  # the same duplicate key
    assert "duplicate_key" in str(raised.value) and "INSERT INTO cases" in str(raised.value)
    assert not raised.value.connection_invalidated


def test_a_statement_that_needs_a_python_side_default_is_refused() -> None:
    statement = DriverStatement(insert(ReviewerRow))
    with pytest.raises(ValueError, match=r"Python-side default \(created_at\)"):
        statement._for(_sqlite_dialect(), {"name": "Dr Default", "profile": {}, "version": 1})


def _sqlite_dialect() -> Any:
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()


@pytest.mark.postgres
def test_postgres_a_connection_gone_is_invalidated_and_the_next_one_works(postgres_url: str, tmp_path: Any) -> None:
    from openimr.cases.services import open_services
    from openimr.settings import Settings

    services = open_services(Settings(db=postgres_url, data_dir=tmp_path / "data")).services
    engine = _writer(services)
    statement = DriverStatement(insert(CaseRow).returning(CaseRow.id))
    with engine.connect() as connection:
        connection.begin()
        backend = connection.scalar(text("SELECT pg_backend_pid()"))
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        with pytest.raises(OperationalError) as raised:
            statement.execute(connection, _case(7))
        assert raised.value.connection_invalidated and connection.invalidated
    with engine.begin() as connection:
        [(case_id,)] = statement.execute(connection, _case(8))
    with services.context.sessions() as session:
        assert session.get(CaseRow, case_id) is not None
