"""Eligibility screening of an IMR application (8 CCR 9792.10.3; domain.md §A.4-A.5).

Rules, each with its source:
- The application must be signed (DWC Form IMR, 9792.10.2; §A.5 item 3).
- The written UR decision must be attached (9792.10.1(b)(1); since 1 Apr 2014 an application without it is
  ineligible; §A.5 item 4).
- It must be filed within 30 days of service of the UR decision, plus 5 days when the decision was served by mail
  (9792.10.1(b)(1) and CCP 1013; §A.5 item 2). Service defaults to the UR decision's date when not given.
- Only the employee side may file; a designation signed before the UR decision is invalid (9792.10.1(b)(2); §A.4).
- An item UR did not decide on medical necessity (a conditional non-certification) is not an IMR dispute (LC 4610.5; §A.2);
  it is excluded, and the application is ineligible when no item is left.
- A pending liability dispute defers the case unless the claims administrator agrees it is eligible (9792.10.3(d); §A.5).
Duplicates (9792.10.3 consideration 2) are caught at intake: see `duplicate_key`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from openimr.cases.domain import Filer, ScreeningOutcome, UrOutcome, UrServiceMethod

FILING_DAYS = 30
MAIL_EXTENSION_DAYS = 5


@dataclass(frozen=True)
class EligibilityFacts:
    """What screening looks at, independent of how the case is stored."""

    signed: bool
    ur_decision_attached: bool
    ur_decision: dt.date
    ur_served: dt.date | None
    ur_service_method: UrServiceMethod
    application_received: dt.date
    filer: Filer
    designation_signed: dt.date | None
    liability_disputed: bool
    claims_administrator_agrees_eligible: bool
    items: list[tuple[str, UrOutcome]]


@dataclass(frozen=True)
class Screening:
    """The outcome of screening, its reasons, and the items excluded from review (by position, with the reason)."""

    outcome: ScreeningOutcome
    reasons: list[str] = field(default_factory=list)
    excluded_items: dict[int, str] = field(default_factory=dict)


def filing_deadline(ur_served: dt.date, method: UrServiceMethod) -> dt.date:
    """Last day to file: 30 days after service of the UR decision, 35 when it was served by mail."""
    return ur_served + dt.timedelta(days=FILING_DAYS + (MAIL_EXTENSION_DAYS if method is UrServiceMethod.MAIL else 0))


def screen(facts: EligibilityFacts) -> Screening:
    """Screen an application: ineligible with every reason found, else deferred for a liability dispute, else eligible."""
    reasons: list[str] = []
    if not facts.signed:
        reasons.append("the application is not signed")
    if not facts.ur_decision_attached:
        reasons.append("no copy of the written UR decision is attached")
    served = facts.ur_served or facts.ur_decision
    deadline = filing_deadline(served, facts.ur_service_method)
    if facts.application_received > deadline:
        late = (facts.application_received - deadline).days
        reasons.append(
            f"filed {facts.application_received.isoformat()}, {late} day(s) after the deadline {deadline.isoformat()} "
            f"(30 days from service of the UR decision on {served.isoformat()}"
            f"{', plus 5 for service by mail' if facts.ur_service_method is UrServiceMethod.MAIL else ''})"
        )
    if facts.application_received < facts.ur_decision:
        reasons.append("filed before the UR decision it disputes")
    if facts.filer is Filer.DESIGNEE and (facts.designation_signed is None or facts.designation_signed < facts.ur_decision):
        reasons.append("the designee's designation is missing or was signed before the UR decision")
    excluded = {
        position: "conditional non-certification: not a medical-necessity decision"
        for position, (_request, outcome) in enumerate(facts.items, start=1)
        if outcome is UrOutcome.CONDITIONAL_NON_CERTIFICATION
    }
    if len(excluded) == len(facts.items):
        reasons.append("no disputed item was denied, modified or delayed for medical necessity (conditional non-certification)")
    if reasons:
        return Screening(ScreeningOutcome.INELIGIBLE, reasons, excluded)
    if facts.liability_disputed and not facts.claims_administrator_agrees_eligible:
        return Screening(ScreeningOutcome.DEFERRED, ["liability dispute pending: deferred until it is resolved"], excluded)
    return Screening(ScreeningOutcome.ELIGIBLE, [], excluded)


def normalise(text: str) -> str:
    """Text compared without regard to case and spacing."""
    return " ".join(text.casefold().split())


def duplicate_key(worker_id: str, claim_number: str, ur_decision: dt.date, requests: list[str]) -> str:
    """Identity of an application for duplicate detection: same worker, claim, UR decision date and disputed items."""
    parts = [normalise(worker_id), normalise(claim_number), ur_decision.isoformat(), *sorted(normalise(r) for r in requests)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
