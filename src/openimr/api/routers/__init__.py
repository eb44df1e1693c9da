"""One router per resource of the API, each a thin adapter over its service in `openimr.cases`."""

from fastapi import APIRouter

from openimr.api.routers import (
    cases,
    check,
    corpus,
    deadlines,
    documents,
    drafts,
    fhir,
    health,
    letters,
    reviewers,
    users,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    users.router,
    reviewers.router,
    cases.router,
    documents.router,
    drafts.router,
    letters.router,
    deadlines.router,
    fhir.router,
    check.router,
    corpus.router,
)
