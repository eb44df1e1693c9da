"""The hash-chained audit log: every entry links to the one before; a change, a removal or an insertion is found."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from tests.conftest import tamper_with_audit_log

from openimr.cases import audit
from openimr.cases.domain import Actor, UserRole
from openimr.cases.schemas import ReviewerProfile
from openimr.cases.services import Services

ADMIN = Actor("audit test", UserRole.ADMIN)


def _profile(n: int) -> ReviewerProfile:
    return ReviewerProfile(
        name=f"Dr Chain {n}",
        licensure=["CA"],
        board_certifications=["Occupational Medicine"],
        years_in_practice=9,
        practice_hours_per_week=40,
    )


def _verify(services: Services) -> audit.Verification:
    with services.context.sessions() as session:
        return audit.verify(session)


def test_a_fresh_chain_verifies_and_links_each_entry_to_the_one_before(services: Services) -> None:
    for n in range(3):
        services.reviewers.add(_profile(n), ADMIN)
    result = _verify(services)
    assert result.intact and result.entries == 3
    with services.context.sessions() as session:
        rows = session.execute(text("SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq")).all()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == audit.GENESIS and rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash


@pytest.mark.parametrize(
    ("statement", "broken_at", "words"),
    [
        ("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2", 2, "content does not match"),
        ("DELETE FROM audit_log WHERE seq = 2", 3, "expected seq 2"),
        ("DELETE FROM audit_log WHERE seq = 4", 4, "entries were removed"),
        ("UPDATE audit_log SET hash = prev_hash WHERE seq = 3", 3, "content does not match"),
    ],
)
def test_a_changed_or_removed_entry_is_the_first_broken_link(
    services: Services, statement: str, broken_at: int, words: str
) -> None:
    for n in range(4):
        services.reviewers.add(_profile(n), ADMIN)
    tamper_with_audit_log(services, statement)
    result = _verify(services)
    assert not result.intact and result.broken_at == broken_at and words in (result.problem or ""), result


def test_concurrent_writers_extend_one_chain_without_forking(services: Services) -> None:
    start = threading.Barrier(8)

    def add(n: int) -> None:
        start.wait()
        for k in range(5):
            services.reviewers.add(_profile(10 * n + k), ADMIN)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = _verify(services)
    assert result.intact and result.entries == 40, result
