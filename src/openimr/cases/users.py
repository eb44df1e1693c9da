"""Users of the service and their bearer tokens: provisioning, expiry, revocation, listing with last use, authentication.

A token is 32 random bytes (URL-safe base64); the store keeps its SHA-256 only, and the hash found is compared with the
presented one in constant time. Every request's token is checked against the database, so a revocation made through any
process takes effect at once in every other; a sign-in (`UserService.sign_in`) reads the client's failed sign-ins
(`openimr.cases.sign_ins`) and the token in one snapshot, on one connection.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openimr.cases.context import ServiceContext, require
from openimr.cases.domain import Actor, UserRole
from openimr.cases.errors import AlreadyExists, InvalidInput, NotFound
from openimr.cases.schemas import NewToken, NewUser, TokenCreated, TokenView, UserCreated, UserView
from openimr.cases.sign_ins import LockedOut, SignInLimiter
from openimr.cases.statements import DriverStatement
from openimr.cases.store import ReviewerRow, TokenRow, UserRow

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

_LIVE_TOKEN = DriverStatement(
    select(
        TokenRow.id,
        TokenRow.token_hash,
        UserRow.id,
        UserRow.name,
        UserRow.role,
        UserRow.reviewer_id,
        or_(TokenRow.last_used_at.is_(None), TokenRow.last_used_at <= bindparam("stale")).label("use_due"),
    )
    .join(UserRow, UserRow.id == TokenRow.user_id)
    .where(
        TokenRow.token_hash == bindparam("digest"),
        TokenRow.revoked_at.is_(None),
        or_(TokenRow.expires_at.is_(None), TokenRow.expires_at > bindparam("now")),
    )
)
"""A live token by its SHA-256 (neither revoked nor expired at `now`), with its user and whether its use is to be
recorded (not since `stale`): every request's check, on the driver's cursor."""


def hash_token(token: str) -> str:
    """What the store keeps of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class _Live:
    """A live token as read: whose it is, and whether its use is to be recorded (`LAST_USED_RESOLUTION`)."""

    actor: Actor
    token_id: int
    use_due: bool


class UserService:
    """Provision users, issue and revoke their tokens, and recognise a token (failed sign-ins limited by `limiter`)."""

    def __init__(self, context: ServiceContext, token_ttl: dt.timedelta, limiter: SignInLimiter) -> None:
        self.context = context
        self.token_ttl = token_ttl
        self.limiter = limiter

    def add(self, user: NewUser, actor: Actor) -> UserCreated:
        """Provision a user and return their first bearer token, shown this once (the store keeps its SHA-256)."""
        require(actor, UserRole.ADMIN)
        if (user.role is UserRole.REVIEWER) != (user.reviewer_id is not None):
            raise InvalidInput("a reviewer user needs a reviewer_id, and only a reviewer user may have one", user.name)
        try:
            with self.context.transaction(f"user {user.name}") as session:
                if user.reviewer_id is not None and session.get(ReviewerRow, user.reviewer_id) is None:
                    raise NotFound("no such reviewer", f"reviewer {user.reviewer_id}")
                row = UserRow(name=user.name, role=user.role.value, reviewer_id=user.reviewer_id, created_at=self.context.clock())
                session.add(row)
                session.flush()
                self.context.audit(session, actor, "user added", None, None, {"user": user.name, "role": user.role.value})
                token, created = self._issue(session, row, "first token", user.token_expires_in_days, actor)
        except IntegrityError:
            raise AlreadyExists("a user of that name exists", f"user {user.name}") from None
        return UserCreated(
            id=row.id,
            name=row.name,
            role=user.role,
            reviewer_id=row.reviewer_id,
            token=token,
            token_id=created.id,
            expires_at=created.expires_at,
        )

    def issue_token(self, request: NewToken, actor: Actor) -> TokenCreated:
        """A new token for a user: an admin may issue one for anyone, anyone else for themselves only."""
        user_id = request.user_id or actor.user_id
        if user_id is None:
            raise InvalidInput("say whose token it is (user_id)", "token")
        if user_id != actor.user_id:
            require(actor, UserRole.ADMIN)
        with self.context.transaction(f"user {user_id}") as session:
            user = session.get(UserRow, user_id)
            if user is None:
                raise NotFound("no such user", f"user {user_id}")
            token, row = self._issue(session, user, request.label, request.expires_in_days, actor)
            view = _token_view(row, user.name, self.context.clock())
        return TokenCreated(**view.model_dump(), token=token)

    def issue_token_for(self, name: str, label: str | None, expires_in_days: int | None, actor: Actor) -> TokenCreated:
        """A new token for the user of that name (admin)."""
        with self.context.sessions() as session:
            user_id = session.scalar(select(UserRow.id).where(UserRow.name == name))
        if user_id is None:
            raise NotFound("no such user", f"user {name}")
        return self.issue_token(NewToken(user_id=user_id, label=label, expires_in_days=expires_in_days), actor)

    def _issue(
        self, session: Session, user: UserRow, label: str | None, days: int | None, actor: Actor
    ) -> tuple[str, TokenRow]:
        token = secrets.token_urlsafe(32)
        now = self.context.clock()
        expires = now + (dt.timedelta(days=days) if days else self.token_ttl)
        row = TokenRow(
            user_id=user.id, token_hash=hash_token(token), label=label, created_at=now, created_by=actor.name, expires_at=expires
        )
        session.add(row)
        session.flush()
        audited = {"user": user.name, "token_id": row.id, "expires_at": expires.isoformat()}
        self.context.audit(session, actor, "token issued", None, None, audited)
        return token, row

    def tokens(self, actor: Actor, user_id: int | None = None) -> list[TokenView]:
        """Tokens with their expiry, revocation and last use: an admin sees anyone's, anyone else their own."""
        if actor.role is not UserRole.ADMIN:
            if user_id not in (None, actor.user_id):
                raise NotFound("no such user", f"user {user_id}")
            user_id = actor.user_id if actor.user_id is not None else -1
        query = select(TokenRow, UserRow.name).join(UserRow, UserRow.id == TokenRow.user_id).order_by(TokenRow.id)
        if user_id is not None:
            query = query.where(TokenRow.user_id == user_id)
        now = self.context.clock()
        with self.context.sessions() as session:
            return [_token_view(row, name, now) for row, name in session.execute(query)]

    def revoke(self, token_id: int, actor: Actor) -> TokenView:
        """Revoke a token (an admin any, anyone else their own); it stops working at once, in every process."""
        with self.context.transaction(f"token {token_id}") as session:
            row = session.get(TokenRow, token_id)
            if row is None or (actor.role is not UserRole.ADMIN and row.user_id != actor.user_id):
                raise NotFound("no such token", f"token {token_id}")
            user = session.get(UserRow, row.user_id)
            assert user is not None
            if row.revoked_at is None:
                row.revoked_at, row.revoked_by = self.context.clock(), actor.name
                self.context.audit(session, actor, "token revoked", None, None, {"user": user.name, "token_id": row.id})
            return _token_view(row, user.name, self.context.clock())

    def sign_in(self, token: str, client: str) -> Actor | LockedOut | None:
        """The actor of a request from `client` that presented bearer `token`; `LockedOut` when the client failed too
        often (its token is not looked at); None when the token is not live, counted as a failure of the client."""
        now = self.context.clock()
        with self.context.reading() as connection:
            locked = self.limiter.locked_out(connection, client, now)
            if locked is not None:
                return locked
            found = self._live(connection, hash_token(token), now)
        if found is None:
            self.limiter.failed(client, now)
            return None
        self._note_use(found, now)
        return found.actor

    def authenticate(self, token: str) -> Actor | None:
        """The actor a live (unexpired, unrevoked) bearer token belongs to, or None."""
        return self.authenticate_hash(hash_token(token))

    def authenticate_hash(self, digest: str) -> Actor | None:
        """The actor whose live token has this SHA-256 (a browser session keeps only the hash), or None."""
        now = self.context.clock()
        with self.context.reading() as connection:
            found = self._live(connection, digest, now)
        if found is None:
            return None
        self._note_use(found, now)
        return found.actor

    @staticmethod
    def _live(connection: Connection, digest: str, now: dt.datetime) -> _Live | None:
        """The token with this SHA-256 if it is live at `now` (neither revoked nor expired), read on `connection`."""
        found = _LIVE_TOKEN.execute(connection, {"digest": digest, "now": now, "stale": now - LAST_USED_RESOLUTION})
        if not found or not hmac.compare_digest(found[0][1], digest):
            return None
        token_id, _, user_id, name, role, reviewer_id, use_due = found[0]
        return _Live(Actor(name, UserRole(role), reviewer_id, user_id), token_id, bool(use_due))

    def _note_use(self, live: _Live, now: dt.datetime) -> None:
        """Record a token's use, at most once per `LAST_USED_RESOLUTION` (whichever process saw it)."""
        if not live.use_due:
            return
        stale = now - LAST_USED_RESOLUTION
        with self.context.transaction(f"token {live.token_id}") as session:
            session.execute(
                update(TokenRow)
                .where(TokenRow.id == live.token_id, or_(TokenRow.last_used_at.is_(None), TokenRow.last_used_at <= stale))
                .values(last_used_at=now)
            )

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


def _token_view(row: TokenRow, user: str, now: dt.datetime) -> TokenView:
    return TokenView(
        id=row.id,
        user_id=row.user_id,
        user=user,
        label=row.label,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        last_used_at=row.last_used_at,
        active=row.revoked_at is None and (row.expires_at is None or now < row.expires_at),
    )
