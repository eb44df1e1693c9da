"""Migrations carry data forward: a database at an older revision keeps its users' tokens and gets a verified chain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, column, insert, table

from openimr.cases import audit
from openimr.cases.services import open_services
from openimr.cases.store import UTCDateTime, make_engine, upgrade
from openimr.cases.users import hash_token
from openimr.settings import Settings


def test_0003_moves_tokens_and_chains_the_existing_audit_log(settings: Settings) -> None:
    engine = make_engine(settings.database_url, writer=True)
    assert upgrade(engine, "0002") is True
    now = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    users = table("users", column("name"), column("role"), column("token_hash"), column("created_at", UTCDateTime()))
    entries = table("audit_log", column("at", UTCDateTime()), column("actor"), column("action"), column("after", JSON()))
    with engine.begin() as connection:
        connection.execute(insert(users).values(name="old", role="admin", token_hash=hash_token("an-old-token"), created_at=now))
        for n in range(3):
            connection.execute(insert(entries).values(at=now + dt.timedelta(minutes=n), actor="old", action="x", after={"n": n}))
    assert upgrade(engine) is False
    services = open_services(settings).services
    actor = services.users.authenticate("an-old-token")
    assert actor is not None and actor.name == "old"
    [token] = services.users.tokens(actor)
    assert token.expires_at is None and token.active, "a token from before expiry existed keeps working"
    with services.context.sessions() as session:
        result = audit.verify(session)
    assert result.intact and result.entries == 3, result
