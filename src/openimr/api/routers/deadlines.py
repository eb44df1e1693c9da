"""The deadline board: overdue cases and cases due soon."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from openimr.api.deps import Caller, ServicesDep
from openimr.cases.schemas import DeadlineEntry

router = APIRouter(tags=["deadlines"])


@router.get("/deadlines/overdue")
def overdue(caller: Caller, services: ServicesDep) -> list[DeadlineEntry]:
    """Open cases past their pending deadline (records or determination)."""
    return services.cases.deadlines(caller, overdue=True)


@router.get("/deadlines/due-soon")
def due_soon(
    caller: Caller, services: ServicesDep, within_hours: Annotated[int, Query(ge=1, le=24 * 365)] = 72
) -> list[DeadlineEntry]:
    """Open cases whose pending deadline falls within the next `within_hours`."""
    return services.cases.deadlines(caller, overdue=False, within=dt.timedelta(hours=within_hours))
