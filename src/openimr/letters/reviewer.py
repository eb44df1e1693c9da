"""The expert reviewer's qualifications, from either way letters state them.

- the sentence "The expert reviewer is Board Certified in <specialties>[, has a subspecialty in <sub>] and is
  licensed to practice in <states>."
- the block "State(s) of Licensure: <states> Certification(s)/Specialty: <specialties>".

Specialty lists are split on commas and on "and"; board names that themselves contain "and" (e.g. "Physical
Medicine and Rehabilitation") are kept whole.
"""

from __future__ import annotations

import re

from openimr.letters.text import collapse
from openimr.model import Reviewer

_BLOCK = re.compile(
    r"State\(s\) of Licensure:\s*(?P<states>.*?)\s*Certification\(s\)/Specialty:\s*(?P<specialties>[^\n]*)",
    re.IGNORECASE,
)
_BOARD_CERTIFIED = re.compile(r"Board Certified in ", re.IGNORECASE)
_SENTENCE = re.compile(
    r"(?P<specialties>[^\n]+?)(?:,? has a subspecialty in (?P<sub>[^\n]+?))?,? and is licensed to practice in"
    r" (?P<states>[^\n]+?)\.",
    re.IGNORECASE,
)
_SENTENCE_MAX = 600
"""The qualifications sentence is read from at most this many characters: its pattern's cost grows with the square."""
_BOARD_NAMES_WITH_AND = (
    "Physical Medicine and Rehabilitation",
    "Obstetrics and Gynecology",
    "Allergy and Immunology",
    "Psychiatry and Neurology",
    "Colon and Rectal Surgery",
    "Plastic and Reconstructive Surgery",
    "Hospice and Palliative Medicine",
    "Public Health and General Preventive Medicine",
    "Nuclear Medicine and Radiology",
)
_PROTECT = re.compile("|".join(re.escape(name) for name in _BOARD_NAMES_WITH_AND), re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_PLACEHOLDER = "\x00"


def split_list(text: str) -> list[str]:
    """Split "A, B and C" into its members, keeping board names that contain "and" whole."""
    kept: list[str] = []

    def hide(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"{_PLACEHOLDER}{len(kept) - 1}{_PLACEHOLDER}"

    hidden = _PROTECT.sub(hide, collapse(text).rstrip(". "))
    members = []
    for part in _LIST_SEPARATOR.split(hidden):
        restored = re.sub(f"{_PLACEHOLDER}(\\d+){_PLACEHOLDER}", lambda m: kept[int(m.group(1))], part).strip()
        if restored:
            members.append(restored)
    return members


def parse_reviewer(text: str) -> Reviewer:
    """The reviewer's licensure, specialties and subspecialty as stated in `text` (empty when not stated)."""
    block = _BLOCK.search(text)
    if block:
        states = [collapse(s) for s in block.group("states").split(",") if s.strip()]
        specialties = [collapse(s) for s in block.group("specialties").split(",") if s.strip()]
        return Reviewer(licensure=states, specialties=specialties)
    start = _BOARD_CERTIFIED.search(text)
    sentence = _SENTENCE.match(text, start.end(), start.end() + _SENTENCE_MAX) if start else None
    if sentence:
        sub = sentence.group("sub")
        return Reviewer(
            licensure=split_list(sentence.group("states")),
            specialties=split_list(sentence.group("specialties")),
            subspecialty=collapse(sub) if sub else None,
        )
    return Reviewer()
