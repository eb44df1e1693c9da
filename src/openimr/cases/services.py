"""The case services of one process, over one database and document store, and how to open them from `Settings`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from openimr.cases.assignment import AssignmentService
from openimr.cases.cases import CaseService
from openimr.cases.context import ServiceContext
from openimr.cases.draft_edits import DraftService
from openimr.cases.drafting import DraftingService
from openimr.cases.intake import IntakeService
from openimr.cases.reviewer_pool import ReviewerService
from openimr.cases.screening import ScreeningService
from openimr.cases.signing import SigningService
from openimr.cases.store import make_engine, session_factory, upgrade, utcnow
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

    @classmethod
    def over(cls, context: ServiceContext) -> Services:
        """The services over a context."""
        return cls(
            context=context,
            users=UserService(context),
            reviewers=ReviewerService(context),
            intake=IntakeService(context),
            screening=ScreeningService(context),
            assignment=AssignmentService(context),
            drafting=DraftingService(context),
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
    engine = make_engine(settings.database_url)
    created = upgrade(engine)
    context = ServiceContext(
        session_factory(engine),
        DocumentStore(settings.documents_dir, settings.max_upload_bytes),
        clock=clock,
        serialize_writes=engine.dialect.name == "sqlite",
        organization=settings.organization,
    )
    return Opened(Services.over(context), created)
