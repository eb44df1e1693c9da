"""Parse a letter's "MAXIMUS guideline" line (or a claims administrator's) into normalised `Citation`s.

Shapes handled, one or several per line, each introduced by "Decision based on" (or, in 2013 letters, "The Expert
Reviewer based his/her decision on the ..."):

- 2013-15 MTUS: "MTUS Chronic Pain Treatment Guidelines Baclofen Page(s): 64", "MTUS ACOEM Chapter 12 Low Back
  Complaints Page(s): 301", topic and pages optional;
- 2016-17 MTUS: "MTUS Chronic Pain Medical Treatment 2016, Section(s): A, B", several parts joined by ", and";
- non-MTUS: "Non-MTUS Citation Official Disability Guidelines (ODG) Low Back Chapter, X-Ray" (chapter and topic),
  "Other Medical Treatment Guideline or Medical Evidence: ...", and any other named source (a book, a web page).

Guideline parts and ODG chapters are normalised to one name each (data in `knowledge/letters/guideline_names.yaml`),
so "Chronic Pain Treatment Guidelines" (2013) and "Chronic Pain Medical Treatment 2016" name the same part. A section
list is split on commas, except that a piece starting in lower case, or following a bare acronym ("NSAIDs, GI
symptoms & cardiovascular risk"), continues the previous section name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from pydantic import BaseModel, ConfigDict

from openimr.knowledge import load_knowledge
from openimr.letters.text import collapse
from openimr.model import Citation


class GuidelineName(BaseModel):
    """One guideline part or chapter: the name openimr uses and the other ways letters write it."""

    model_config = ConfigDict(extra="forbid")
    name: str
    aliases: list[str]


class GuidelineNames(BaseModel):
    """The catalogue of guideline-part names that letters use."""

    model_config = ConfigDict(extra="forbid")
    source: str
    mtus_parts: list[GuidelineName]
    odg_chapters: list[GuidelineName]


class _Names:
    """Compiled matchers for one list of names: the longest spelling wins, matching ignores case for chapters."""

    def __init__(self, entries: list[GuidelineName], prefix: str, flags: int) -> None:
        spellings = {alias: entry.name for entry in entries for alias in (entry.name, *entry.aliases)}
        self.canonical = {alias.casefold(): name for alias, name in spellings.items()}
        alternation = "|".join(re.escape(a) for a in sorted(spellings, key=len, reverse=True))
        self.pattern = re.compile(prefix + f"(?P<name>{alternation})", flags)

    def name_of(self, spelling: str) -> str:
        return self.canonical[spelling.casefold()]


@cache
def _catalogue() -> tuple[_Names, _Names]:
    names = load_knowledge("letters/guideline_names.yaml", GuidelineNames)
    # An MTUS part name counts only where a part can start: at the start, after a list separator or a chapter number.
    mtus = _Names(names.mtus_parts, r"(?:^|(?<=[,;] )|(?<=[,;])|(?<=\band )|(?<=\d )|(?<=ACOEM ))", 0)
    odg = _Names(names.odg_chapters, r"^", re.IGNORECASE)
    return mtus, odg


# "Decision based on" (2014+), or the 2013 wording "... based his/her decision on the MTUS ..." / "relied on the ...".
_BASED_ON = re.compile(
    r"Decision based on\s+|\b(?:based (?:his/her|their|its) decision on|relied (?:up)?on)\s+(?:the\s+)?"
    r"(?=(?:CA\s+)?MTUS\b|Non-MTUS\b|Official Disability\b|ODG\b|ACOEM\b)",
    re.IGNORECASE,
)
_NON_MTUS = re.compile(r"^Non-MTUS\s+Citation\s*:?\s*", re.IGNORECASE)
_MTUS = re.compile(r"^(?:CA\s+)?MTUS\b[\s:/-]*(?:ACOEM\b\s*)?(?:Chapter\s+\d+\s*)?", re.IGNORECASE)
_PART_DETAIL = re.compile(
    r"^(?:\s+(?P<edition>(?:19|20)\d{2})\b)?(?:\s+Guidelines?\b)?\s*,?\s*"
    r"(?:Section\(s\)\s*:\s*(?P<sections>.*)|(?P<topic>.*?)\s*(?:(?:Page\(s\)\s*:|,?\s*\bpages?\b)\s*(?P<pages>.*))?)$",
    re.DOTALL,
)
_STARTERS = re.compile(
    r"(?P<odg>Official Disability Guidelines(?:\s*\(ODG\))?|\bODG\b(?:\s+guidelines?)?)"
    r"|(?P<other>Other Medical Treatment Guidelines?(?: or Medical Evidence)?)"
    r"|(?P<acoem>\bACOEM\b(?: Practice Guidelines?)?)",
    re.IGNORECASE,
)
_ODG_EDITION = re.compile(r"^[\s,]*(?P<edition>(?:19|20)\d{2})\b[\s,]*(?:Web Version\b[\s,]*)?")
_DECORATION = re.compile(r"^\s*(?:Chapter|Section|chapter|section)\b\s*")
_TOPIC_SUFFIX = re.compile(r"\s+Topic$", re.IGNORECASE)
_TRAILERS = re.compile(r"[\s,;.]+(?:and|or)?[\s,;.]*$")
_ACRONYM = re.compile(r"^[A-Za-z]*[A-Z][A-Za-z]*[A-Z][A-Za-z]*$")


def parse_guideline_line(text: str) -> list[Citation]:
    """The citations of one guideline line, in order; none for "did not cite any medical evidence"."""
    line = collapse(text)
    if not line:
        return []
    chunks = _BASED_ON.split(line)
    if len(chunks) > 1:
        chunks = chunks[1:]  # what precedes the first "Decision based on" is a preamble
    citations: list[Citation] = []
    for chunk in chunks:
        chunk = _tidy(chunk)
        if not chunk:
            continue
        non_mtus = _NON_MTUS.match(chunk)
        mtus = None if non_mtus else _MTUS.match(chunk)
        if non_mtus:
            citations.extend(_non_mtus(chunk[non_mtus.end() :]))
        elif mtus:
            citations.extend(_mtus(chunk, chunk[mtus.end() :]))
        elif len(chunks) > 1 or _STARTERS.match(chunk):
            citations.extend(_non_mtus(chunk))
    return citations


def citation_keys(citations: Iterable[Citation]) -> set[tuple[str, str, str]]:
    """(source, guideline part, section) of each cited section, ignoring case and spacing: two citation lists agree
    on a section when their keys share it. A citation that names no section gives one key with an empty section."""
    keys: set[tuple[str, str, str]] = set()
    for citation in citations:
        part = (_key(citation.source), _key(citation.guideline))
        keys.update((*part, _key(section)) for section in citation.sections or [""])
    return keys


def _key(text: str) -> str:
    return collapse(text).rstrip(".").casefold()


def _tidy(text: str) -> str:
    """`text` without surrounding separators and a final full stop."""
    return _TRAILERS.sub("", text).strip(" ,;")


def _mtus(chunk: str, rest: str) -> list[Citation]:
    """The MTUS citations of one "MTUS ..." chunk: one per guideline part it names."""
    mtus_names, _ = _catalogue()
    starts = list(mtus_names.pattern.finditer(rest))
    if not starts:
        return [_mtus_part("", rest, chunk)]
    citations = []
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(rest)
        segment = _tidy(rest[start.start() : end])
        name = mtus_names.name_of(start.group("name"))
        citations.append(_mtus_part(name, segment[len(start.group("name")) :], segment))
    return citations


def _mtus_part(name: str, detail: str, written: str) -> Citation:
    """One MTUS citation: the part's name, then from `detail` its edition, sections or topic, and pages."""
    match = _PART_DETAIL.match(detail)
    assert match is not None  # every group of the pattern is optional: it matches any string
    sections = match.group("sections")
    pages = _tidy(match.group("pages") or "")
    return Citation(
        mtus=True,
        source="MTUS",
        guideline=name,
        edition=match.group("edition"),
        sections=split_sections(_tidy(sections if sections is not None else match.group("topic") or "")),
        pages=pages or None,
        text=written if written.startswith("MTUS") else f"MTUS {written}",
    )


def split_sections(text: str) -> list[str]:
    """Section names of a comma-separated list (see the module docstring for the continuation rule)."""
    sections: list[str] = []
    depth = 0
    piece: list[str] = []
    pieces: list[str] = []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth <= 0:
            pieces.append("".join(piece))
            piece = []
        else:
            piece.append(char)
    pieces.append("".join(piece))
    for raw in pieces:
        part = raw.strip()
        if part.startswith("and "):
            part = part[4:]
        if not part:
            continue
        if sections and (part[0].islower() or _ACRONYM.match(sections[-1])):
            sections[-1] = f"{sections[-1]}, {part}"
        else:
            sections.append(part)
    return sections


def _non_mtus(text: str) -> list[Citation]:
    """Citations of a non-MTUS chunk: ODG chapters and topics, other guidelines, any other named source."""
    starters = list(_STARTERS.finditer(text))
    citations: list[Citation] = []
    lead = _tidy(text[: starters[0].start()] if starters else text)
    if lead:
        citations.append(Citation(mtus=False, source=lead, text=lead))
    for index, starter in enumerate(starters):
        end = starters[index + 1].start() if index + 1 < len(starters) else len(text)
        written = _tidy(text[starter.start() : end])
        body = _tidy(text[starter.end() : end])
        if starter.group("odg"):
            edition = _ODG_EDITION.match(body)
            if edition:
                body = body[edition.end() :]
            citations.extend(_odg(part, edition.group("edition") if edition else None, written) for part in body.split(";"))
        else:
            source = "ACOEM" if starter.group("acoem") else collapse(starter.group(0))
            citations.append(Citation(mtus=False, source=source, guideline=body.lstrip(": "), text=written))
    return citations


def _odg(text: str, edition: str | None, written: str) -> Citation:
    """One ODG citation: chapter (normalised) and topic."""
    _, chapters = _catalogue()
    text = _TOPIC_SUFFIX.sub("", _tidy(text).strip(" ,"))
    match = chapters.pattern.match(text)
    if match is None:
        return Citation(mtus=False, source="ODG", edition=edition, sections=[text] if text else [], text=written)
    rest = _DECORATION.sub("", text[match.end() :]).strip()
    if rest.startswith("(") and rest.endswith(")"):
        topic = rest[1:-1]
    else:
        separator = _top_level_separator(rest)
        topic = rest[separator:] if separator >= 0 else _DECORATION.sub("", rest)
    topic = _tidy(topic.lstrip(" ,/-:")).strip()
    return Citation(
        mtus=False,
        source="ODG",
        guideline=chapters.name_of(match.group("name")),
        edition=edition,
        sections=[topic] if topic else [],
        text=written,
    )


def _top_level_separator(text: str) -> int:
    """Index just past the first ",", "/" or " - " outside parentheses in `text`; -1 when there is none."""
    depth = 0
    for index, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth > 0:
            continue
        if char in ",/":
            return index + 1
        if char == "-" and text[index - 1 : index + 2] == " - ":
            return index + 2
    return -1
