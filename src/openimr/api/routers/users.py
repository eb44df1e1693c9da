"""Users: who am I, provisioning and listing users."""

from __future__ import annotations

from fastapi import APIRouter

from openimr.api.deps import Caller, ServicesDep
from openimr.cases.schemas import NewUser, UserCreated, UserView

router = APIRouter(tags=["users"])


@router.get("/me")
def me(caller: Caller) -> dict[str, object]:
    """Who the token belongs to."""
    return {"name": caller.name, "role": caller.role.value, "reviewer_id": caller.reviewer_id}


@router.post("/users", status_code=201)
def add_user(user: NewUser, caller: Caller, services: ServicesDep) -> UserCreated:
    """Provision a user (admin); the token is shown once."""
    return services.users.add(user, caller)


@router.get("/users")
def list_users(caller: Caller, services: ServicesDep) -> list[UserView]:
    """Every user, by name (admin); tokens are never shown again."""
    return services.users.list(caller)
