"""Signing and issuing: the assigned reviewer signs the determination as it stands; issuing renders the Final
Determination Letter once (PDF and JSON) and stores it, immutable; until then the letter can be previewed (DRAFT until
signed)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from openimr.cases.context import ServiceContext, require, visible_case
from openimr.cases.domain import Actor, CaseState, ScreeningOutcome, UserRole, case_number
from openimr.cases.errors import Forbidden, NotFound, StaleVersion, TransitionRefused
from openimr.cases.mapping import case_view, final_letter, latest_draft
from openimr.cases.schemas import CaseView
from openimr.cases.states import check_transition
from openimr.cases.store import CaseRow, LetterRow, ReviewerRow
from openimr.letters import render_letter
from openimr.model import Letter


class SigningService:
    """Signature, issue and the issued letter."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def sign(self, case_id: int, actor: Actor) -> CaseView:
        """The assigned reviewer signs the determination as it stands; no edit can slip in after (an edit moves the case's
        version too, so a signature and a concurrent edit cannot both succeed)."""
        require(actor, UserRole.REVIEWER)
        with self.context.transaction(case_number(case_id)) as session:
            case = visible_case(session, case_id, actor)
            if case.reviewer_id != actor.reviewer_id:
                raise Forbidden("only the assigned reviewer can sign", case_number(case_id))
            now = self.context.clock()
            self.context.move(session, actor, case, CaseState.SIGNED, "signed", signed_at=now, signed_by=actor.name)
            session.flush()
            return case_view(session, case)

    def issue(self, case_id: int, actor: Actor) -> CaseView:
        """Issue the signed determination: render the letter (PDF and JSON) once and store it, immutable."""
        require(actor, UserRole.ADMIN, UserRole.REVIEWER)
        number = case_number(case_id)
        with self.context.sessions() as session:
            case = visible_case(session, case_id, actor)
            outcome = ScreeningOutcome(case.screening_outcome) if case.screening_outcome else None
            check_transition(CaseState(case.state), CaseState.ISSUED, outcome, number)
            letter = self._letter(session, case)
            rendered_from = case.version
        pdf = render_letter(letter, "pdf")
        letter_json = letter.model_dump_json(indent=2)
        with self.context.transaction(number) as session:
            case = visible_case(session, case_id, actor)
            if case.version != rendered_from:
                raise StaleVersion("the case changed while its letter was rendered: issue it again", number)
            now = self.context.clock()
            self.context.move(session, actor, case, CaseState.ISSUED, "issued", issued_at=now)
            session.flush()  # the case's version check comes first: a concurrent issue fails here, not on the letter
            session.add(
                LetterRow(
                    case_id=case_id,
                    pdf=pdf,
                    json=letter_json,
                    pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                    json_sha256=hashlib.sha256(letter_json.encode()).hexdigest(),
                    issued_at=now,
                    issued_by=actor.name,
                )
            )
            session.flush()
            return case_view(session, case)

    def _letter(self, session: Session, case: CaseRow) -> Letter:
        draft = latest_draft(session, case.id)
        if draft is None:
            raise TransitionRefused("no draft yet", case_number(case.id))
        reviewer = session.get(ReviewerRow, case.reviewer_id) if case.reviewer_id else None
        decided = (case.signed_at or self.context.clock()).date()
        return final_letter(case, draft, reviewer, decided, self.context.organization)

    def preview(self, case_id: int, fmt: str, actor: Actor) -> bytes:
        """The letter as it would be issued now (`pdf` or `json`), marked DRAFT until signed; once issued, the letter."""
        require(actor, UserRole.ADMIN, UserRole.REVIEWER)
        with self.context.sessions() as session:
            case = visible_case(session, case_id, actor)
            if case.state == CaseState.ISSUED:
                return self.letter(case_id, fmt, actor)
            letter = self._letter(session, case)
        return letter.model_dump_json(indent=2).encode() if fmt == "json" else render_letter(letter, fmt)

    def letter(self, case_id: int, fmt: str, actor: Actor) -> bytes:
        """The issued letter as stored: `pdf` or `json`."""
        with self.context.sessions() as session:
            visible_case(session, case_id, actor)
            row = session.scalar(select(LetterRow).where(LetterRow.case_id == case_id))
            if row is None:
                raise NotFound("no letter has been issued", case_number(case_id))
            return row.pdf if fmt == "pdf" else row.json.encode()
