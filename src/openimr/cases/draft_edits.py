"""The reviewer's work on the draft: reading it; editing an item's decision, rationale, guideline line and criterion
statuses (every revision kept, revision n being item version n); rewriting the Clinical Case Summary."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, bindparam, cast, select

from openimr.cases.context import ServiceContext, check_visible, require, visible_case
from openimr.cases.domain import Actor, CaseState, UserRole, case_number
from openimr.cases.errors import InvalidInput, NotFound, StaleVersion, TransitionRefused
from openimr.cases.letter import criterion_statuses
from openimr.cases.mapping import ITEM_FIELDS, item_view
from openimr.cases.schemas import DraftView, ItemEdit, ItemView, RevisionView, SummaryEdit
from openimr.cases.store import CaseRow, DraftRow, ItemRevisionRow, ItemRow
from openimr.model import Decision


def _item(case: CaseRow, position: int, where: str) -> ItemRow:
    item = next((i for i in case.items if i.position == position), None)
    if item is None:
        raise NotFound("no such item", where)
    return item


def _drafted_case(case: CaseRow, what: str) -> CaseRow:
    """The case, which must be drafted: the only state in which the draft is edited."""
    if case.state != CaseState.DRAFTED:
        raise TransitionRefused(f"{what} can be edited only while the case is drafted (it is {case.state})", case_number(case.id))
    return case


def _item_state(item: ItemRow) -> dict[str, Any]:
    """What an item edit changes, for the audit log."""
    return {
        "decision": item.decision,
        "rationale": item.rationale,
        "guideline": item.guideline,
        "criteria_overrides": item.criteria_overrides or {},
        "version": item.version,
    }


def _overrides(item: ItemRow, edit: ItemEdit, where: str) -> dict[str, Any]:
    """The item's criterion overrides after `edit`: a status equal to the engine's (or none) removes an override."""
    engine = criterion_statuses(item.engine_determination or {})
    overrides = dict(item.criteria_overrides or {})
    for change in edit.criteria:
        if change.id not in engine:
            raise InvalidInput(f"the engine's draft of this item has no criterion {change.id!r}", where)
        if change.status is None or change.status.value == engine[change.id]:
            overrides.pop(change.id, None)
        else:
            overrides[change.id] = change.model_dump(mode="json")
    return overrides


# Built once: SQLAlchemy then reuses their compiled form without building and hashing a new statement per request.
_CASE_AND_DRAFT = (
    select(
        CaseRow.reviewer_id,
        CaseRow.summary,
        CaseRow.summary_version,
        DraftRow.id.label("draft_id"),
        DraftRow.engine_version,
        DraftRow.knowledge_version,
        DraftRow.created_at,
        cast(DraftRow.determination, Text).label("determination"),  # as stored
    )
    .outerjoin(DraftRow, DraftRow.case_id == CaseRow.id)  # a case has at most one draft
    .where(CaseRow.id == bindparam("case_id"))
)
_ITEMS = select(*ITEM_FIELDS).where(ItemRow.case_id == bindparam("case_id")).order_by(ItemRow.position)


class DraftService:
    """The draft determination as the reviewer sees and edits it."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def get(self, case_id: int, actor: Actor) -> DraftView:
        """The engine's draft and the items as they stand now."""
        return DraftView.model_validate_json(self.get_json(case_id, actor))

    def get_json(self, case_id: int, actor: Actor) -> bytes:
        """`get` as JSON (what the API serves): the engine's draft goes out as the database keeps it, never parsed and
        serialized again; two small prepared queries in one snapshot, on a connection (no ORM session)."""
        with self.context.reading() as connection:
            found = connection.execute(_CASE_AND_DRAFT, {"case_id": case_id}).first()
            check_visible(case_id, found is not None, found.reviewer_id if found is not None else None, actor)
            assert found is not None
            if found.draft_id is None:
                raise NotFound("no draft yet", case_number(case_id))
            items = connection.execute(_ITEMS, {"case_id": case_id})
            rest = DraftView.model_construct(
                case_id=case_id,
                engine_version=found.engine_version,
                knowledge_version=found.knowledge_version,
                created_at=found.created_at,
                summary=found.summary or "",
                summary_version=found.summary_version,
                items=[item_view(i) for i in items],
                engine_determination={},  # goes out as stored, below
            ).model_dump_json(exclude={"engine_determination"})
        determination: str = found.determination
        return b'{"engine_determination":' + determination.encode() + b"," + rest.encode()[1:]

    def edit_item(self, case_id: int, position: int, edit: ItemEdit, actor: Actor) -> ItemView:
        """The assigned reviewer changes one item's decision, rationale, guideline line and/or criterion statuses; the
        item's version goes up by one and the new version is kept as the revision of that number."""
        require(actor, UserRole.REVIEWER)
        if edit.decision is None and edit.rationale is None and edit.guideline is None and not edit.criteria:
            raise InvalidInput(
                "nothing to change: give a decision, a rationale, a guideline line or criteria", f"item {position}"
            )
        where = f"{case_number(case_id)} item {position}"
        with self.context.transaction(where) as session:
            case = _drafted_case(visible_case(session, case_id, actor), "items")
            item = _item(case, position, where)
            if item.excluded_reason is not None:
                raise TransitionRefused(f"the item is excluded from review ({item.excluded_reason})", where)
            if item.version != edit.version:
                raise StaleVersion(
                    f"the item is at version {item.version} but the edit was made on version {edit.version}: "
                    "someone else changed it; reload the draft and reapply your change",
                    where,
                )
            before = _item_state(item)
            if edit.decision is not None:
                item.decision = edit.decision.value
            if edit.rationale is not None:
                item.rationale = edit.rationale
            if edit.guideline is not None:
                item.guideline = edit.guideline
            if edit.criteria:
                item.criteria_overrides = _overrides(item, edit, where)
            item.version += 1
            case.updated_at = self.context.clock()  # the case's version moves too: a signature and this edit exclude
            session.flush()
            session.add(
                ItemRevisionRow(
                    item_id=item.id,
                    revision=item.version,
                    decision=item.decision or "",
                    rationale=item.rationale or "",
                    guideline=item.guideline,
                    criteria_overrides=item.criteria_overrides or {},
                    author=actor.name,
                    created_at=self.context.clock(),
                )
            )
            self.context.audit(
                session,
                actor,
                "item edited",
                case_id,
                {"position": position, **before},
                {"position": position, **_item_state(item)},
            )
            return item_view(item)

    def edit_summary(self, case_id: int, edit: SummaryEdit, actor: Actor) -> DraftView:
        """The assigned reviewer rewrites the Clinical Case Summary (quoting the summary version it was made on)."""
        require(actor, UserRole.REVIEWER)
        where = f"{case_number(case_id)} summary"
        with self.context.transaction(where) as session:
            case = _drafted_case(visible_case(session, case_id, actor), "the summary")
            if case.summary_version != edit.version:
                raise StaleVersion(
                    f"the summary is at version {case.summary_version} but the edit was made on version {edit.version}: "
                    "reload the draft and reapply your change",
                    where,
                )
            before = {"summary": case.summary, "summary_version": case.summary_version}
            case.summary = edit.summary
            case.summary_version += 1
            case.updated_at = self.context.clock()
            after = {"summary": case.summary, "summary_version": case.summary_version}
            self.context.audit(session, actor, "summary edited", case_id, before, after)
        return self.get(case_id, actor)

    def revisions(self, case_id: int, position: int, actor: Actor) -> list[RevisionView]:
        """Every version of one item's decision and rationale, the engine's first."""
        with self.context.sessions() as session:
            item = _item(visible_case(session, case_id, actor), position, f"{case_number(case_id)} item {position}")
            rows = session.scalars(
                select(ItemRevisionRow).where(ItemRevisionRow.item_id == item.id).order_by(ItemRevisionRow.revision)
            )
            return [
                RevisionView(
                    revision=r.revision,
                    decision=Decision(r.decision),
                    rationale=r.rationale,
                    guideline=r.guideline,
                    criteria_overrides=r.criteria_overrides or {},
                    author=r.author,
                    created_at=r.created_at,
                )
                for r in rows
            ]
