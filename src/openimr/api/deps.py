"""What the routers are given: the services of the app, the caller (from their bearer token), typed path parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from openimr.cases.domain import Actor
from openimr.cases.services import Services
from openimr.cases.sign_ins import LockedOut

CaseId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="Case id.")]
Position = Annotated[int, PathParam(ge=1, le=1000, description="Item position, from 1.")]
DocumentId = Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$", description="Document id.")]

_bearer = HTTPBearer(auto_error=False, description="Bearer token from `imr users add` or POST /users.")


class Unauthorized(Exception):
    """No valid bearer token (answered 401 by the app)."""


class TooManySignIns(Exception):
    """The client failed to sign in too often (answered 429 with Retry-After by the app)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


async def get_services(request: Request) -> Services:
    """The services the app was created over."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def client_address(request: Request) -> str:
    """The client's address as the server saw it (after the proxy headers uvicorn trusts)."""
    return request.client.host if request.client else "unknown"


async def current_actor(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The caller, from their bearer token (`authenticate`, in a worker thread: it queries the database)."""
    token = credentials.credentials if credentials else None
    return await run_in_threadpool(authenticate, services, client_address(request), token)


def authenticate(services: Services, client: str, token: str | None) -> Actor:
    """The caller of a request from `client` that presented bearer `token` (None: none), checked against the database
    (`UserService.sign_in`): `TooManySignIns` for a client that failed too often, before its token is looked at;
    `Unauthorized` for no token or one not live (which counts as a failure of the client). Blocking."""
    if token is None:
        raise Unauthorized()
    found = services.users.sign_in(token, client)
    if isinstance(found, LockedOut):
        raise TooManySignIns(found.retry_after)
    if found is None:
        raise Unauthorized()
    return found


Caller = Annotated[Actor, Depends(current_actor)]
