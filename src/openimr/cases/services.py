"""The case services of one process, over one database and document store, and how to open them from `Settings`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from openimr.cases.assignment import AssignmentService
from openimr.cases.cases import CaseService
from openimr.cases.consolidation import ConsolidationService
from openimr.cases.context import ServiceContext
from openimr.cases.draft_edits import DraftService
from openimr.cases.drafting import DraftingService
from openimr.cases.expediting import ExpeditingService
from openimr.cases.intake import IntakeService
from openimr.cases.jobs import JobQueue, QueuePolicy
from openimr.cases.reading import ReadingService
from openimr.cases.reviewer_pool import ReviewerService
from openimr.cases.screening import ScreeningService
from openimr.cases.sign_ins import SignInLimiter
from openimr.cases.signing import SigningService
from openimr.cases.store import DocumentRow, make_engine, session_factory, upgrade, utcnow
from openimr.cases.uploads import DocumentStore
from openimr.cases.users import UserService
from openimr.settings import Settings


@dataclass(frozen=True)
class Services:
    """One service per resource of the IMR workflow, sharing one `ServiceContext`."""

    context: ServiceContext
    users: UserService
    reviewers: ReviewerService
    intake: IntakeService
    screening: ScreeningService
    assignment: AssignmentService
    drafting: DraftingService
    drafts: DraftService
    signing: SigningService
    cases: CaseService
    queue: JobQueue
    expediting: ExpeditingService
    consolidation: ConsolidationService
    reading: ReadingService

    @classmethod
    def over(cls, context: ServiceContext, settings: Settings) -> Services:
        """The services over a context, with the policies `settings` set."""
        queue = JobQueue(
            context,
            QueuePolicy(
                lease=dt.timedelta(seconds=settings.job_lease_seconds),
                max_attempts=settings.job_max_attempts,
                backoff=dt.timedelta(seconds=settings.job_backoff_seconds),
            ),
        )
        return cls(
            context=context,
            queue=queue,
            expediting=ExpeditingService(context),
            consolidation=ConsolidationService(context, queue),
            reading=ReadingService(context, queue),
            users=UserService(
                context,
                dt.timedelta(days=settings.token_ttl_days),
                SignInLimiter(context, settings.sign_in_max_failures, dt.timedelta(seconds=settings.sign_in_window_seconds)),
            ),
            reviewers=ReviewerService(context),
            intake=IntakeService(context, queue),
            screening=ScreeningService(context),
            assignment=AssignmentService(context),
            drafting=DraftingService(context, queue),
            drafts=DraftService(context),
            signing=SigningService(context),
            cases=CaseService(context),
        )


@dataclass(frozen=True)
class Opened:
    """Services opened from settings, and whether their database was empty (and so was created) when opened."""

    services: Services
    created: bool


def open_services(settings: Settings, clock: Callable[[], dt.datetime] = utcnow) -> Opened:
    """Create the data directory, migrate the database to the latest schema and return the services over it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = settings.document_key.get_secret_value() if settings.document_key else None
    documents = DocumentStore(settings.documents_dir, settings.max_upload_bytes, key)
    documents.check_key()
    engine = make_engine(settings.database_url)
    sqlite = engine.dialect.name == "sqlite"
    writer = make_engine(settings.database_url, writer=True) if sqlite else engine
    created = upgrade(writer)
    # Reads see one snapshot across their statements (SQLite: its BEGIN; PostgreSQL: repeatable read, which never fails a
    # read-only transaction), so a view never mixes states from before and after a concurrent commit.
    reader = engine if sqlite else engine.execution_options(isolation_level="REPEATABLE READ")
    context = ServiceContext(
        session_factory(reader),
        documents,
        clock=clock,
        serialize_writes=sqlite,
        write_sessions=session_factory(writer),
        organization=settings.organization,
    )
    return Opened(Services.over(context, settings), created)


@dataclass(frozen=True)
class Recovery:
    """What start-up recovery did: the document files it removed, or why it left them for a later start."""

    removed: int
    skipped: str | None = None


def recover(services: Services, patience: float = 30.0) -> Recovery:
    """Start-up recovery: remove document files whose rows never committed (and half-written ones). Jobs of dead workers
    need nothing: their leases pass.

    A file goes only when a query of the database finds no row for it, made while no other process uses the document
    store and after every transaction that was running has ended (waiting up to `patience` seconds): a COMMIT sent by a
    process that died may still be completing on a PostgreSQL server. Otherwise nothing is removed."""
    context = services.context
    with context.documents.alone() as alone:
        if not alone:
            return Recovery(0, "another process is using the document store")
        if not context.wait_for_running_transactions(patience):
            return Recovery(0, f"database transactions begun earlier were still running after {patience:g} s")
        with context.sessions() as session:
            referenced = set(session.scalars(select(DocumentRow.id)))
        return Recovery(context.documents.sweep(referenced))
