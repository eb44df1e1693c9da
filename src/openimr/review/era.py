"""The regulatory era of a UR decision (domain.md §0.2), which picks the criteria wording and the citation format."""

from __future__ import annotations

import datetime as dt

from openimr.knowledge.schema import Era

CHRONIC_PAIN_UPDATE = dt.date(2016, 7, 29)
"""Requests from this date fall under the 2016 Chronic Pain update and the DWC Opioids guideline."""
ACOEM_MTUS = dt.date(2017, 12, 1)
"""From this date the MTUS incorporates the updated ACOEM guidelines."""


def era_for(ur_decision: dt.date | None) -> Era:
    """The era of a UR decision date. An unknown date is read as the 2016 era, the one in force for the longest
    stretch of published IMR letters; the review flags it."""
    if ur_decision is None:
        return Era.MTUS_2016
    if ur_decision >= ACOEM_MTUS:
        return Era.MTUS_2017
    return Era.MTUS_2016 if ur_decision >= CHRONIC_PAIN_UPDATE else Era.MTUS_2009
