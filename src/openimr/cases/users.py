"""Users of the service and their bearer tokens: provisioning and authentication."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from openimr.cases.context import ServiceContext, require
from openimr.cases.domain import Actor, UserRole
from openimr.cases.errors import AlreadyExists, InvalidInput, NotFound
from openimr.cases.schemas import NewUser, UserCreated, UserView
from openimr.cases.store import ReviewerRow, UserRow


def hash_token(token: str) -> str:
    """What the store keeps of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserService:
    """Provision users and recognise their tokens."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def add(self, user: NewUser, actor: Actor) -> UserCreated:
        """Provision a user and return their bearer token, shown this once (the store keeps its SHA-256)."""
        require(actor, UserRole.ADMIN)
        if (user.role is UserRole.REVIEWER) != (user.reviewer_id is not None):
            raise InvalidInput("a reviewer user needs a reviewer_id, and only a reviewer user may have one", user.name)
        token = secrets.token_urlsafe(32)
        try:
            with self.context.transaction(f"user {user.name}") as session:
                if user.reviewer_id is not None and session.get(ReviewerRow, user.reviewer_id) is None:
                    raise NotFound("no such reviewer", f"reviewer {user.reviewer_id}")
                row = UserRow(name=user.name, role=user.role.value, token_hash=hash_token(token), reviewer_id=user.reviewer_id)
                session.add(row)
                session.flush()
                self.context.audit(session, actor, "user added", None, None, {"user": user.name, "role": user.role.value})
        except IntegrityError:
            raise AlreadyExists("a user of that name exists", f"user {user.name}") from None
        return UserCreated(id=row.id, name=row.name, role=user.role, reviewer_id=row.reviewer_id, token=token)

    def authenticate(self, token: str) -> Actor | None:
        """The actor a bearer token belongs to, or None."""
        return self.authenticate_hash(hash_token(token))

    def authenticate_hash(self, token_hash: str) -> Actor | None:
        """The actor whose token has this SHA-256 (a browser session keeps only the hash), or None."""
        with self.context.sessions() as session:
            row = session.scalar(select(UserRow).where(UserRow.token_hash == token_hash))
            return None if row is None else Actor(row.name, UserRole(row.role), row.reviewer_id)

    @staticmethod
    def token_hash(token: str) -> str:
        """What the store keeps of a token."""
        return hash_token(token)

    def list(self, actor: Actor) -> list[UserView]:
        """Every user, by name (never a token)."""
        require(actor, UserRole.ADMIN)
        with self.context.sessions() as session:
            return [
                UserView(id=r.id, name=r.name, role=UserRole(r.role), reviewer_id=r.reviewer_id, created_at=r.created_at)
                for r in session.scalars(select(UserRow).order_by(UserRow.name))
            ]
