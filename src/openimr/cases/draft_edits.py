"""The reviewer's work on the draft: reading it, editing an item's decision and rationale, every revision kept."""

from __future__ import annotations

from sqlalchemy import func, select

from openimr.cases.context import ServiceContext, require, visible_case
from openimr.cases.domain import Actor, CaseState, UserRole, case_number
from openimr.cases.errors import InvalidInput, NotFound, StaleVersion, TransitionRefused
from openimr.cases.mapping import item_view, latest_draft
from openimr.cases.schemas import DraftView, ItemEdit, ItemView, RevisionView
from openimr.cases.store import CaseRow, ItemRevisionRow, ItemRow
from openimr.model import Decision


def _item(case: CaseRow, position: int, where: str) -> ItemRow:
    item = next((i for i in case.items if i.position == position), None)
    if item is None:
        raise NotFound("no such item", where)
    return item


class DraftService:
    """The draft determination as the reviewer sees and edits it."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def get(self, case_id: int, actor: Actor) -> DraftView:
        """The engine's draft and the items as they stand now."""
        with self.context.sessions() as session:
            case = visible_case(session, case_id, actor)
            draft = latest_draft(session, case_id)
            if draft is None:
                raise NotFound("no draft yet", case_number(case_id))
            return DraftView(
                case_id=case_id,
                engine_version=draft.engine_version,
                knowledge_version=draft.knowledge_version,
                created_at=draft.created_at,
                engine_determination=draft.determination,
                items=[item_view(i) for i in case.items],
            )

    def edit_item(self, case_id: int, position: int, edit: ItemEdit, actor: Actor) -> ItemView:
        """The assigned reviewer changes one item's decision and/or rationale; every version is kept."""
        require(actor, UserRole.REVIEWER)
        if edit.decision is None and edit.rationale is None:
            raise InvalidInput("nothing to change: give a decision and/or a rationale", f"item {position}")
        where = f"{case_number(case_id)} item {position}"
        with self.context.transaction(where) as session:
            case = visible_case(session, case_id, actor)
            if case.state != CaseState.DRAFTED:
                raise TransitionRefused(f"items can be edited only while the case is drafted (it is {case.state})", where)
            item = _item(case, position, where)
            if item.excluded_reason is not None:
                raise TransitionRefused(f"the item is excluded from review ({item.excluded_reason})", where)
            if item.version != edit.version:
                raise StaleVersion(
                    f"the item is at version {item.version} but the edit was made on version {edit.version}: "
                    "someone else changed it; reload the draft and reapply your change",
                    where,
                )
            before = {"decision": item.decision, "rationale": item.rationale, "version": item.version}
            if edit.decision is not None:
                item.decision = edit.decision.value
            if edit.rationale is not None:
                item.rationale = edit.rationale
            revisions = session.scalar(select(func.count()).where(ItemRevisionRow.item_id == item.id)) or 0
            session.flush()
            session.add(
                ItemRevisionRow(
                    item_id=item.id,
                    revision=revisions + 1,
                    decision=item.decision or "",
                    rationale=item.rationale or "",
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
                {"position": position, "decision": item.decision, "rationale": item.rationale, "version": item.version},
            )
            return item_view(item)

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
                    author=r.author,
                    created_at=r.created_at,
                )
                for r in rows
            ]
