"""Failed sign-ins and revocations are shared through the database: two sets of services over one database (two
server processes) limit a client together and refuse a revoked token at once."""

from __future__ import annotations

import datetime as dt

from openimr.cases.domain import Actor, UserRole
from openimr.cases.schemas import NewUser
from openimr.cases.services import Services, open_services
from openimr.cases.sign_ins import LockedOut
from openimr.settings import Settings

ADMIN = Actor("sign-ins test", UserRole.ADMIN)
CLIENT = "192.0.2.7"


def _at(services: Services, when: dt.datetime) -> None:
    services.context.clock = lambda: when


def test_failures_in_two_processes_lock_the_client_out_in_both(settings: Settings, services: Services) -> None:
    other = open_services(settings).services
    good = services.users.add(NewUser(name="gail", role=UserRole.INTAKE), ADMIN).token
    for n in range(10):
        assert (services if n % 2 else other).users.sign_in(f"guess-{n}", CLIENT) is None
    for either in (services, other):
        locked = either.users.sign_in(good, CLIENT)
        assert isinstance(locked, LockedOut) and 1 <= locked.retry_after <= 60, "even a good token is not looked at"
    assert services.users.sign_in(good, "198.51.100.9") == services.users.authenticate(good), "another client signs in"


def test_a_window_passed_lets_the_client_in_and_its_next_failure_begins_a_new_one(services: Services) -> None:
    start = services.context.clock()
    _at(services, start)
    for n in range(9):
        assert services.users.sign_in(f"guess-{n}", CLIENT) is None
    _at(services, start + dt.timedelta(seconds=59))
    assert services.users.sign_in("guess-9", CLIENT) is None
    locked = services.users.sign_in("guess-10", CLIENT)
    assert locked == LockedOut(1), "locked until the window that began at the first failure ends"
    _at(services, start + dt.timedelta(seconds=60))
    assert services.users.sign_in("guess-11", CLIENT) is None, "the window has passed: the client may try again"
    for n in range(8):
        assert services.users.sign_in(f"guess-again-{n}", CLIENT) is None
    assert services.users.sign_in("guess-last", CLIENT) is None, "the tenth failure of the new window"
    assert isinstance(services.users.sign_in("guess-more", CLIENT), LockedOut)


def test_a_revocation_in_one_process_refuses_the_token_in_the_other_at_once(settings: Settings, services: Services) -> None:
    other = open_services(settings).services
    created = services.users.add(NewUser(name="rory", role=UserRole.INTAKE), ADMIN)
    rory = other.users.sign_in(created.token, CLIENT)
    assert isinstance(rory, Actor) and rory.name == "rory"
    services.users.revoke(created.token_id, ADMIN)
    assert other.users.sign_in(created.token, CLIENT) is None
    assert other.users.authenticate(created.token) is None


def test_a_tokens_use_is_recorded_once_a_minute_whichever_process_sees_it(settings: Settings, services: Services) -> None:
    other = open_services(settings).services
    created = services.users.add(NewUser(name="uma", role=UserRole.INTAKE), ADMIN)
    first = services.context.clock()
    _at(services, first)
    assert services.users.authenticate(created.token) is not None
    _at(other, first + dt.timedelta(seconds=30))
    assert other.users.authenticate(created.token) is not None
    [seen] = services.users.tokens(ADMIN, created.id)
    assert seen.last_used_at == first, "a use within the minute is not written again, by either process"
    later = first + dt.timedelta(minutes=1)
    _at(other, later)
    assert other.users.authenticate(created.token) is not None
    [seen] = services.users.tokens(ADMIN, created.id)
    assert seen.last_used_at == later
