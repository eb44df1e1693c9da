"""Users and their tokens: who am I, provisioning and listing users, issuing, listing and revoking tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from openimr.api.deps import Caller, ServicesDep
from openimr.cases.schemas import NewToken, NewUser, TokenCreated, TokenView, UserCreated, UserView

router = APIRouter(tags=["users"])
TokenId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="Token id.")]


@router.get("/me")
def me(caller: Caller) -> dict[str, object]:
    """Who the token belongs to."""
    return {"name": caller.name, "role": caller.role.value, "reviewer_id": caller.reviewer_id}


@router.post("/users", status_code=201)
def add_user(user: NewUser, caller: Caller, services: ServicesDep) -> UserCreated:
    """Provision a user (admin); their first token is shown once."""
    return services.users.add(user, caller)


@router.get("/users")
def list_users(caller: Caller, services: ServicesDep) -> list[UserView]:
    """Every user, by name (admin); tokens are never shown again."""
    return services.users.list(caller)


@router.post("/tokens", status_code=201)
def issue_token(request: NewToken, caller: Caller, services: ServicesDep) -> TokenCreated:
    """A new token (admin: for anyone; others: for themselves); shown once."""
    return services.users.issue_token(request, caller)


@router.get("/tokens")
def list_tokens(
    caller: Caller, services: ServicesDep, user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
) -> list[TokenView]:
    """Tokens with expiry, revocation and last use (admin: anyone's; others: their own)."""
    return services.users.tokens(caller, user_id)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: TokenId, caller: Caller, services: ServicesDep) -> TokenView:
    """Revoke a token (admin: any; others: their own)."""
    return services.users.revoke(token_id, caller)
