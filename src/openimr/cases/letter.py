"""The Final Determination Letter of a case: the engine's draft with the reviewer's edits, and the parties it goes to.

The reviewer's decision, rationale, guideline line (and so the citations), criterion statuses and Clinical Case Summary
are what the letter says. A criterion the reviewer overrode keeps the engine's status beside the reviewer's
(`CriterionResult.override`). Criteria are found wherever the engine's item nests them (any object with an id, a text
and a status), so a richer item shape keeps its overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openimr.cases.domain import Recipient
from openimr.cases.schemas import Parties
from openimr.letters import parse_guideline_line
from openimr.model import Addressee, Decision, ItemDetermination

RECIPIENT_ROLES = {
    Recipient.EMPLOYEE: "Injured Worker",
    Recipient.EMPLOYER: "Employer",
    Recipient.CLAIMS_ADMINISTRATOR: "Claims Administrator",
    Recipient.REQUESTING_PHYSICIAN: "Requesting Physician",
}
"""Each addressee's role as the letter prints it, in the order the letter lists them."""


def _is_criterion(node: Mapping[str, Any]) -> bool:
    return {"id", "text", "status"} <= node.keys() and isinstance(node["id"], str)


def criterion_statuses(item: Any) -> dict[str, str]:
    """The engine's status of every criterion of an item (its JSON), by criterion id."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if _is_criterion(node):
                found.setdefault(node["id"], str(node["status"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(item)
    return found


def _override(node: Any, overrides: Mapping[str, Mapping[str, Any]]) -> Any:
    if isinstance(node, Mapping):
        copy = {key: _override(value, overrides) for key, value in node.items()}
        change = overrides.get(copy["id"]) if _is_criterion(copy) else None
        if change is not None:
            copy["override"] = {"engine_status": copy["status"], "note": change.get("note", "")}
            copy["status"] = change["status"]
        return copy
    if isinstance(node, list):
        return [_override(value, overrides) for value in node]
    return node


def final_item(
    drafted: ItemDetermination,
    decision: str | None,
    rationale: str | None,
    guideline: str | None,
    overrides: Mapping[str, Mapping[str, Any]] | None,
) -> ItemDetermination:
    """The engine's item with the reviewer's decision, rationale, guideline line (citations read from it when it
    changed) and criterion statuses; without the draft's precedents, which are a reviewer aid, not the letter's."""
    changes: dict[str, Any] = {
        "decision": Decision(decision or drafted.decision),
        "rationale": rationale or "",
        "precedents": [],
        "precedent_summary": None,
    }
    if guideline is not None and guideline != (drafted.maximus_guideline or ""):
        changes["maximus_guideline"] = guideline or None
        changes["citations"] = parse_guideline_line(guideline)
    data = drafted.model_copy(update=changes).model_dump(mode="json")
    return ItemDetermination.model_validate(_override(data, overrides or {}))


def addressees(parties: Parties, worker_id: str) -> list[Addressee]:
    """The parties the letter is sent to: the injured worker always (by worker id when no name was given), the
    employer, the claims administrator and the requesting physician when named."""
    names = {
        Recipient.EMPLOYEE: parties.employee or worker_id,
        Recipient.EMPLOYER: parties.employer,
        Recipient.CLAIMS_ADMINISTRATOR: parties.claims_administrator,
        Recipient.REQUESTING_PHYSICIAN: parties.requesting_physician,
    }
    return [
        Addressee(
            role=role,
            name=name,
            address=[line.strip() for line in parties.addresses.get(recipient, "").splitlines() if line.strip()],
        )
        for recipient, role in RECIPIENT_ROLES.items()
        if (name := names[recipient])
    ]
