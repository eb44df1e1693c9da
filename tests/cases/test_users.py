"""Users and tokens: expiry, revocation, last use, who may issue or see which token."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.cases.domain import Actor, UserRole
from openimr.cases.errors import Forbidden, NotFound
from openimr.cases.schemas import NewToken, NewUser
from openimr.cases.services import Services

ADMIN = Actor("users test", UserRole.ADMIN)


def test_a_token_works_until_it_expires(services: Services) -> None:
    created = services.users.add(NewUser(name="ivy", role=UserRole.INTAKE, token_expires_in_days=2), ADMIN)
    assert created.expires_at is not None
    assert created.expires_at - services.context.clock() <= dt.timedelta(days=2)
    actor = services.users.authenticate(created.token)
    assert actor is not None and actor.name == "ivy" and actor.user_id == created.id
    later = created.expires_at + dt.timedelta(seconds=1)
    services.context.clock = lambda: later
    assert services.users.authenticate(created.token) is None
    [view] = services.users.tokens(ADMIN, created.id)
    assert not view.active and view.revoked_at is None


def test_the_default_lifetime_comes_from_the_settings(services: Services) -> None:
    created = services.users.add(NewUser(name="dee", role=UserRole.ADMIN), ADMIN)
    assert created.expires_at is not None
    assert dt.timedelta(days=89) < created.expires_at - services.context.clock() <= dt.timedelta(days=90)


def test_a_revoked_token_stops_working_and_the_others_go_on(services: Services) -> None:
    created = services.users.add(NewUser(name="rex", role=UserRole.INTAKE), ADMIN)
    rex = services.users.authenticate(created.token)
    assert rex is not None
    second = services.users.issue_token(NewToken(label="laptop"), rex)
    assert services.users.authenticate(second.token) == rex
    revoked = services.users.revoke(created.token_id, rex)
    assert revoked.revoked_at is not None and revoked.revoked_by == "rex" and not revoked.active
    assert services.users.authenticate(created.token) is None
    assert services.users.authenticate(second.token) == rex
    listed = {t.id: t for t in services.users.tokens(rex)}
    assert set(listed) == {created.token_id, second.id}
    assert listed[second.id].last_used_at is not None and listed[second.id].label == "laptop"


def test_only_an_admin_issues_or_revokes_another_users_token(services: Services) -> None:
    one = services.users.add(NewUser(name="one", role=UserRole.INTAKE), ADMIN)
    two = services.users.add(NewUser(name="two", role=UserRole.INTAKE), ADMIN)
    actor_one = services.users.authenticate(one.token)
    assert actor_one is not None
    with pytest.raises(Forbidden):
        services.users.issue_token(NewToken(user_id=two.id), actor_one)
    with pytest.raises(NotFound):
        services.users.revoke(two.token_id, actor_one)
    with pytest.raises(NotFound):
        services.users.tokens(actor_one, two.id)
    assert [t.user for t in services.users.tokens(actor_one)] == ["one"]
    assert services.users.revoke(two.token_id, ADMIN).revoked_by == ADMIN.name


def test_an_unknown_token_is_refused(services: Services) -> None:
    services.users.add(NewUser(name="kim", role=UserRole.INTAKE), ADMIN)
    assert services.users.authenticate("not a token") is None
