"""What the routers are given: the services of the app, the caller (from their bearer token), typed path parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from openimr.cases.domain import Actor
from openimr.cases.services import Services

CaseId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="Case id.")]
Position = Annotated[int, PathParam(ge=1, le=1000, description="Item position, from 1.")]
DocumentId = Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$", description="Document id.")]

_bearer = HTTPBearer(auto_error=False, description="Bearer token from `imr users add` or POST /users.")


class Unauthorized(Exception):
    """No valid bearer token (answered 401 by the app)."""


def get_services(request: Request) -> Services:
    """The services the app was created over."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def current_actor(services: ServicesDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    """The caller, from their bearer token."""
    found = services.users.authenticate(credentials.credentials) if credentials else None
    if found is None:
        raise Unauthorized()
    return found


Caller = Annotated[Actor, Depends(current_actor)]
