"""schemathesis against the OpenAPI schema: no generated request makes the server fail (no 5xx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from openimr.api.app import create_app
from openimr.cases.domain import Actor, UserRole
from openimr.cases.schemas import Application, NewUser, ReviewerProfile, ScreeningRequest
from openimr.cases.services import open_services
from openimr.settings import Settings

SETUP = Actor("schema test", UserRole.ADMIN)


@pytest.fixture
def seeded(database_url: str, tmp_path: Path) -> tuple[Any, str]:
    """An app on each backend with a reviewer, a reviewer user, one screened case, and an admin token."""
    services = open_services(Settings(db=database_url, data_dir=tmp_path, max_upload_bytes=256 * 1024)).services
    reviewer = services.reviewers.add(
        ReviewerProfile(
            name="Dr Schema",
            licensure=["CA"],
            board_certifications=["Pain Medicine"],
            years_in_practice=10,
            practice_hours_per_week=30,
        ),
        SETUP,
    )
    services.users.add(NewUser(name="schema-reviewer", role=UserRole.REVIEWER, reviewer_id=reviewer.id), SETUP)
    token = services.users.add(NewUser(name="schema-admin", role=UserRole.ADMIN), SETUP).token
    filed = services.intake.file_application(
        Application.model_validate(
            {
                "worker_id": "w-schema",
                "claim_number": "c-schema",
                "signed": True,
                "dates": {"ur_decision": "2026-01-05", "application_received": "2026-01-15"},
                "disputed_items": [{"request": "Naproxen 550mg #60"}],
                "documents": [{"type": "ur_decision", "text": "Synthetic UR decision."}],
            }
        ),
        SETUP,
    )
    services.screening.screen(filed.case.id, ScreeningRequest(), SETUP)
    return create_app(services=services), token


def test_no_generated_request_makes_the_server_fail(seeded: tuple[Any, str]) -> None:
    """Every operation, positive and negative data, a bounded number of examples each: no 5xx."""
    app, token = seeded
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]

        @given(case=st.one_of([operation.as_strategy(generation_mode=mode) for mode in modes]))
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 500:
                failures.append(f"{case.operation.label}: {response.status_code} for {case.body!r} {case.path_parameters!r}")

        call()
    assert operations >= 20
    assert failures == []
