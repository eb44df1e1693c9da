"""Small readings of record wording shared by the extractors: what a sentence is about (the worker's care, the
request, or the utilization review's decision)."""

from __future__ import annotations

import re
from enum import StrEnum

from openimr.evidence.text import has_finite_verb
from openimr.knowledge.terms import anchored_search, regex_fold

_REVIEW_ACTOR = re.compile(
    r"\b(?:utilization\s+review\w*|UR|claims\s+administrator|peer[\s-]+review\w*|(?:prior|previous|earlier)\s+review\w*"
    r"|(?:the|a)\s+reviewer|review(?:ing)?\s+physician|non-?certif\w+|non-?approv\w+)\b",
    re.IGNORECASE,
)
_DECIDED = re.compile(
    r"\b(?:certif\w+|authoriz\w+|approv\w+|denied|denial|modified|modification|previously\s+reviewed|reviewed\s+on)\b",
    re.IGNORECASE,
)
REQUESTED = re.compile(r"\b(?:request\w*|RFA)\b", re.IGNORECASE)
"""Words naming a request for authorization ("the request", "RFA")."""
DENIAL = (
    r"non-?certif\w*|not\s+(?:been\s+)?(?:certified|authorized|approved|medically\s+necessary)|denied|denial|deny|upheld"
)
"""The words (an expression to put in a group) by which a clause says a review denied a treatment."""
_DECIDED_AS = (
    r"(?:was|were|is|are|has|have|had)\s+(?:not\s+)?(?:been\s+)?(?:\w+\s+)?"
    rf"(?:{DENIAL}|non-?certif\w*|certif\w*|authoriz\w*|approv\w*|modified)\b"
)
"""A clause's own decision after its subject: "was non-certified", "has been partially approved", "were not medically
necessary"."""
_DECIDING_VERB = r"(?:non-?)?certified|authorized|approved|denied|modified|upheld|overturned|medically\s+necessary"
"""The verbs (an alternation to put in a group) by which a clause states a decision ("UR certified the MRI", "the MRI
was denied", "was found medically necessary"): not a noun that only names one ("the request for certification")."""
_NOT_A_JOINT = r"(?!(?:and|but|however|while|whereas)\b)"
DECISION_BREAK = re.compile(
    r";|\b(?:but|however|while|whereas)\b"
    rf"|,\s+and\s+(?=(?:[\w/.%-]+\s+){{1,6}}?{_DECIDED_AS})"
    r"|\band\s+(?=(?:non-?certif|certif|authoriz|approv|denied|modif))"
    rf"|\b(?:{_DECIDING_VERB})\b(?:\s+{_NOT_A_JOINT}[\w/.%#()-]+){{0,8}}?\s+(?P<cut>and\s+)"
    rf"(?=(?:{_NOT_A_JOINT}[\w/.%-]+\s+){{1,6}}?{_DECIDED_AS})",
    re.IGNORECASE,
)
"""Where one item's decision ends and another's begins in a sentence that reports several ("tramadol was certified,
and gabapentin was non-certified", "UR certified the knee arthroscopy and denied the cold unit", "the surgery was
certified; the assistant surgeon was not"): what the review decided on one item is not another's decision. Without
a comma, "and" joins the items of one decision ("the arthroscopy with decompression and clavicle excision was
certified"), unless the part before it states a decision of its own and the part after another ("the MRI was
non-certified and the therapy was certified": the break is the group `cut`, the "and")."""
CONDITIONAL_DECISION = re.compile(
    r"\b(?:if|once|unless|until|whether|pending|awaiting)\b(?:\W+\w+){0,6}?\W+(?:non-?certif|certif|authoriz|approv|denied)\w*"
    r"|\b(?:to|will|would|should|may|might)\s+be\s+(?:\w+\s+)?(?:certif|authoriz|approv|denied)\w*"
    r"|\bwhen\b(?:\W+\w+){0,6}?\W+(?:is|are|gets?|becomes?|has\s+been)\s+(?:\w+\s+)?(?:certif|authoriz|approv)\w*"
    r"|\bwhen\b(?:\W+(?!(?:was|were|had|did)\b)\w+){0,6}?\W+(?:certif|authoriz|approv)(?:ied|ed)\b(?=\s*(?:[.;,)]|$))"
    r"|\b(?:no|without|lacks?|lacking)\s+(?:\w+\s+){0,2}?(?:certification|authori[sz]ation|approval)s?\b"
    r"|\bnot\s+(?:yet|as\s+yet|so\s+far)\s+(?:been\s+)?(?:certif|authoriz|approv)\w*"
    r"|\b(?:certification|authori[sz]ation|approval)\s+(?:\w+\s+){0,5}?(?:has|have|had|was|were|is|are)\s+(?:not|never)"
    r"\s+(?:yet\s+)?(?:been\s+)?(?:received|given|granted|obtained|issued)\b",
    re.IGNORECASE,
)
"""A decision the clause only supposes or awaits ("in place if the surgery is later approved", "pending
authorization", "once it is certified", "ready when it is approved"), or says has not been made ("no authorization
of the surgery is in the file", "not yet approved", "authorization for it has not been received"): no decision at
all, and no certification. A note may drop the verb "is" ("labs now, for when the fusion authorized", "will schedule
when approved"): a "when" clause that ends on the bare participle, with no past tense in it, awaits the decision too
("when the surgery was approved" tells of one made)."""
_WAS_DECIDED = re.compile(
    r"\b(?:was|were|been|is|are)\s+(?:not\s+(?:yet\s+)?(?=certified|authorized|approved))?"
    r"(?:previously\s+|subsequently\s+|partially\s+)?(?:denied|non-?certified|"
    r"modified(?![\s-]+(?:duty|duties|work|job|activit\w*|schedule|hours?|days?|shifts?|\d))|"
    r"certified|authorized|approved|upheld|overturned)\b",
    re.IGNORECASE,
)
"""A treatment said to have been decided ("the pantoprazole had been previously denied", "the Soma was not certified"):
the review's wording. A work status is not ("he was modified duty", "was modified 4-hour days" before a return to full duty)."""
_GIVEN_AFTER = re.compile(
    r"\b(?:certified|authorized|approved)\b(?:\s+[\w-]+){0,5}?\s+(?:and|then)\s+(?:(?:he|she|they|the\s+(?:patient|worker))\s+)?"
    r"(?:(?:was|were|has|have|had)\s+(?:been\s+)?)?"
    r"(?:began|begun|started|commenced|initiated|completed|finished|attended|given|performed|done|under\s?way|in\s+progress|ongoing)\b",
    re.IGNORECASE,
)
"""A treatment the clause says was approved and then given ("four CBT sessions were certified and began in May", "the
injection was authorized and performed on 3/2", "certified as a 6-visit trial and completed in June"): the worker's
care, told with its authorization, not the review's decision."""
AFTER_SURGERY = re.compile(
    r"\b(?:post[\s-]?op(?:erative(?:ly)?)?|post[\s-]?surg(?:ical|ery)|(?:after|following|upon|at|on)\s+(?:the\s+|his\s+|her\s+|their\s+)?"
    r"(?:\w+\s+){0,2}?(?:surgery|operation|procedure|discharge)|(?:surgical|incisional)\s+pain)\b",
    re.IGNORECASE,
)
"""Words by which the record says a drug is for after an operation ("post-operative pain control with Norco", "Percocet
for 5 days after surgery", "oxycodone on discharge", "for incisional pain")."""

CARE_GOES_ON = r"continu\w*|resum\w*|maint(?:ain|enance)\w*"
"""The verbs (an alternation to put in a group) by which a note says care already given goes on: "continue therapy",
"resume the HEP", "maintain the home exercises", "maintenance dose"."""
UNDER_WAY = rf"{CARE_GOES_ON}|ongoing|current(?:ly)?|remains?\s+on|still|again"
"""The words (an alternation to put in a group) by which a clause speaks of care under way: a verb of `CARE_GOES_ON`,
or "ongoing", "currently", "remains on", "still", "again" ("Plan: continue physical therapy", "still on naproxen"):
what it names is not only planned or prescribed now."""


_DECIDED_ASIDE = re.compile(
    r",?\s*\b(?:which|that)\s+(?:has|have|had|was|were|is|are)\s+(?:been\s+)?(?:previously\s+|since\s+|already\s+)?"
    r"(?:certified|authorized|approved)\b(?:\s+(?:by\s+(?:the\s+)?(?:UR|utilization\s+review|(?:claims\s+)?administrator|carrier|insurer)"
    r"|(?:on|in)\s+[\w/-]+(?:\s+\d{4})?|last\s+\w+|earlier|before|previously|already))*\s*,?",
    re.IGNORECASE,
)
"""An aside by which a clause says the care it tells of was authorized ("she completed six visits of therapy, which
were authorized, with less pain", "he attends acupuncture, which has been approved by UR, and walks farther"): the care
is told as given; the aside is no decision of the clause's."""
_TOLD_VERB = re.compile(r"\b(?:\w{3,}ed|attends|receives|undergoes|goes|does|gets|reports|shows|notes)\b", re.IGNORECASE)
"""A verb by which what is left of a clause tells of care on its own ("he attends acupuncture ...")."""
_UR_CASE = re.compile(r"\bUR\b")
""""UR" is an abbreviation only as capitals; "ur" in lower case is a typo or a word part."""


class SentenceRole(StrEnum):
    """What a sentence of a record or summary reports."""

    CLINICAL = "clinical"
    """The worker's history, findings, care: clinical evidence."""
    REQUEST = "request"
    """The request itself (what was asked for and why): not evidence that the care was given."""
    REVIEW = "review"
    """The utilization review's decision and its reasons: shown to the reviewer, never clinical evidence."""


def sentence_role(sentence: str, following: str = "") -> SentenceRole:
    """The role of one sentence or clause: a report of the UR decision (it names the review, says a request was
    decided, or says a treatment was denied, modified or certified, unless it or the `following` clause of its sentence
    says it was then given: "... were certified and began in May"), a report of the request, or clinical text. An
    aside that the care it tells of was authorized ("..., which were authorized, ...") is read past when the rest of
    the clause has a verb of its own."""
    folded = regex_fold(sentence)
    if "which" in folded or "that" in folded:
        told = _DECIDED_ASIDE.sub(" ", sentence)
        if told != sentence and not REQUESTED.search(told) and (has_finite_verb(told) or _TOLD_VERB.search(told)):
            sentence, folded = told, regex_fold(told)
    actor = anchored_search(_REVIEW_ACTOR, sentence, folded)
    if actor is not None and (actor.group(0).upper() != "UR" or _UR_CASE.search(sentence)):
        return SentenceRole.REVIEW
    requested = anchored_search(REQUESTED, sentence, folded) is not None
    decided = (requested and anchored_search(_DECIDED, sentence, folded)) or anchored_search(_WAS_DECIDED, sentence, folded)
    if decided and (requested or not anchored_search(_GIVEN_AFTER, sentence + following)):
        return SentenceRole.REVIEW
    return SentenceRole.REQUEST if requested else SentenceRole.CLINICAL


EVIDENCE_ROLES = frozenset({SentenceRole.CLINICAL, SentenceRole.REQUEST})
"""Sentence roles whose text is evidence about the worker (the request's own wording may state findings)."""
CLINICAL = frozenset({SentenceRole.CLINICAL})
"""Only clinical sentences: what the worker has had or takes (not what was requested or decided)."""
ALL_ROLES = frozenset(SentenceRole)
"""Every sentence, whatever its role."""
