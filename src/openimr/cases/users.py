"""Users of the service and their bearer tokens: provisioning, expiry, revocation, listing with last use, authentication.

A token is 32 random bytes (URL-safe base64); the store keeps its SHA-256 only, and the hash found is compared with the
presented one in constant time. A process trusts a token it has checked for `auth_cache_seconds` (default 5 s): a
revocation made through this process takes effect at once, through another process within that time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openimr.cases.context import ServiceContext, require
from openimr.cases.domain import Actor, UserRole
from openimr.cases.errors import AlreadyExists, InvalidInput, NotFound
from openimr.cases.schemas import NewToken, NewUser, TokenCreated, TokenView, UserCreated, UserView
from openimr.cases.store import ReviewerRow, TokenRow, UserRow

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    """What the store keeps of a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class _Trusted:
    actor: Actor
    token_id: int
    expires_at: dt.datetime | None
    checked: float


class UserService:
    """Provision users, issue and revoke their tokens, and recognise a token."""

    def __init__(self, context: ServiceContext, token_ttl: dt.timedelta, cache_seconds: float) -> None:
        self.context = context
        self.token_ttl = token_ttl
        self.cache_seconds = cache_seconds
        self._trusted: dict[str, _Trusted] = {}
        self._last_used: dict[int, dt.datetime] = {}
        self._lock = threading.Lock()

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
        """Revoke a token (an admin any, anyone else their own); it stops working at once in this process."""
        with self.context.transaction(f"token {token_id}") as session:
            row = session.get(TokenRow, token_id)
            if row is None or (actor.role is not UserRole.ADMIN and row.user_id != actor.user_id):
                raise NotFound("no such token", f"token {token_id}")
            user = session.get(UserRow, row.user_id)
            assert user is not None
            if row.revoked_at is None:
                row.revoked_at, row.revoked_by = self.context.clock(), actor.name
                self.context.audit(session, actor, "token revoked", None, None, {"user": user.name, "token_id": row.id})
            view = _token_view(row, user.name, self.context.clock())
        with self._lock:
            self._trusted = {h: t for h, t in self._trusted.items() if t.token_id != token_id}
        return view

    def authenticate(self, token: str) -> Actor | None:
        """The actor a live (unexpired, unrevoked) bearer token belongs to, or None."""
        return self.authenticate_hash(hash_token(token))

    def authenticate_hash(self, digest: str) -> Actor | None:
        """The actor whose live token has this SHA-256 (a browser session keeps only the hash), or None."""
        now = self.context.clock()
        trusted = self._trusted.get(digest)
        if trusted is None or time.monotonic() - trusted.checked > self.cache_seconds:
            trusted = self._check(digest)
            if trusted is None:
                return None
        if trusted.expires_at is not None and now >= trusted.expires_at:
            return None
        self._note_use(trusted.token_id, now)
        return trusted.actor

    def trusted_now(self, token: str) -> Actor | None:
        """The actor of a token this process has checked recently, if that answers without the database (no check or
        last-use record due); else None, and `authenticate` must be asked. For the event loop: it never blocks."""
        trusted = self._trusted.get(hash_token(token))
        if trusted is None or time.monotonic() - trusted.checked > self.cache_seconds:
            return None
        now = self.context.clock()
        if trusted.expires_at is not None and now >= trusted.expires_at:
            return None
        last = self._last_used.get(trusted.token_id)
        return trusted.actor if last is not None and now - last < LAST_USED_RESOLUTION else None

    def _check(self, digest: str) -> _Trusted | None:
        with self.context.sessions() as session:
            found = session.execute(
                select(TokenRow.id, TokenRow.token_hash, TokenRow.expires_at, TokenRow.revoked_at, UserRow)
                .join(UserRow, UserRow.id == TokenRow.user_id)
                .where(TokenRow.token_hash == digest)
            ).first()
        with self._lock:
            if found is None or not hmac.compare_digest(found.token_hash, digest) or found.revoked_at is not None:
                self._trusted.pop(digest, None)
                return None
            user: UserRow = found.UserRow
            actor = Actor(user.name, UserRole(user.role), user.reviewer_id, user.id)
            trusted = _Trusted(actor, found.id, found.expires_at, time.monotonic())
            self._trusted[digest] = trusted
            return trusted

    def _note_use(self, token_id: int, now: dt.datetime) -> None:
        """Record a token's use, at most once per `LAST_USED_RESOLUTION` per process."""
        last = self._last_used.get(token_id)
        if last is not None and now - last < LAST_USED_RESOLUTION:
            return
        with self._lock:
            self._last_used[token_id] = now
        with self.context.transaction(f"token {token_id}") as session:
            session.execute(update(TokenRow).where(TokenRow.id == token_id).values(last_used_at=now))


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
